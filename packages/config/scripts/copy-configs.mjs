// Copies the repository's configs/ into this package's configs/, which ships it: the defaults
// layer and the shipped test plans are read from there at run time (relative to the module), so
// an installed package needs no checkout. Run by `build` and before the tests.
import { cp, rm } from 'node:fs/promises';

const from = new URL('../../../configs/', import.meta.url);
const to = new URL('../configs/', import.meta.url);
await rm(to, { recursive: true, force: true });
await cp(from, to, { recursive: true });
