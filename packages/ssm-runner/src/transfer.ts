// File transfer over SSM Run Command: fetchFile brings a file home, putFile installs one. The
// steps live in fetch.ts and put.ts, the scripts they run on the instance in transfer-scripts.ts.
export { type FetchedFile, type FetchFileOptions, fetchFile, MAX_FETCH_CHUNK_BYTES } from './fetch.js';
export { type PutFileOptions, putFile } from './put.js';
export type { TransferOptions, TransferResult } from './transfer-common.js';
export {
  buildCleanupScript,
  buildFetchChunkScript,
  buildFetchPrepareScript,
  buildPutInstallScript,
  buildPutPartScript,
  buildPutPrepareScript,
} from './transfer-scripts.js';
