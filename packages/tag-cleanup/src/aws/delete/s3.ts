import {
  AbortMultipartUploadCommand,
  DeleteBucketCommand,
  DeleteObjectsCommand,
  ListMultipartUploadsCommand,
  ListObjectVersionsCommand,
} from '@aws-sdk/client-s3';
import { LabError } from '@lab/core';
import { ignoreNotFound } from '../context.js';
import { chunk, each } from './common.js';

const S3_DELETE_BATCH = 1000;

/** Empties a bucket — every version and delete marker, unfinished uploads — then deletes it. */
export const deleteBuckets = each(async (context, resource, run) => {
  const s3 = context.clientsFor(resource.region).s3;
  const Bucket = resource.id;
  let KeyMarker: string | undefined;
  let VersionIdMarker: string | undefined;
  do {
    const page = await context.call(
      'ListObjectVersions',
      (abortSignal) =>
        s3.send(new ListObjectVersionsCommand({ Bucket, KeyMarker, VersionIdMarker }), { abortSignal }),
      run.signal,
    );
    const objects = [...(page.Versions ?? []), ...(page.DeleteMarkers ?? [])].map((item) => ({
      Key: item.Key!,
      ...(item.VersionId === undefined ? {} : { VersionId: item.VersionId }),
    }));
    for (const part of chunk(objects, S3_DELETE_BATCH)) {
      const answer = await context.call(
        'DeleteObjects',
        (abortSignal) =>
          s3.send(new DeleteObjectsCommand({ Bucket, Delete: { Objects: part, Quiet: true } }), {
            abortSignal,
          }),
        run.signal,
      );
      const failed = answer.Errors ?? [];
      if (failed.length > 0) {
        throw new LabError(
          failed[0]!.Code ?? 'S3_DELETE_FAILED',
          `${failed.length} object(s) could not be deleted from ${Bucket}: ${failed[0]!.Message ?? ''}`,
        );
      }
    }
    KeyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
    VersionIdMarker = page.IsTruncated ? page.NextVersionIdMarker : undefined;
  } while (KeyMarker !== undefined);
  const uploads = await context.call(
    'ListMultipartUploads',
    (abortSignal) => s3.send(new ListMultipartUploadsCommand({ Bucket }), { abortSignal }),
    run.signal,
  );
  for (const upload of uploads.Uploads ?? []) {
    await context
      .call(
        'AbortMultipartUpload',
        (abortSignal) =>
          s3.send(new AbortMultipartUploadCommand({ Bucket, Key: upload.Key, UploadId: upload.UploadId }), {
            abortSignal,
          }),
        run.signal,
      )
      .catch(ignoreNotFound);
  }
  return context.call(
    'DeleteBucket',
    (abortSignal) => s3.send(new DeleteBucketCommand({ Bucket }), { abortSignal }),
    run.signal,
  );
});
