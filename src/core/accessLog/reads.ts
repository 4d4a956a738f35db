// Which access-log lines mean someone used an object's data: the one definition the analysis
// templates' defaults, the generator's truth and the README follow (a test holds the templates'
// defaults to these lists).
//
// S3's operation names, decided one by one:
// - REST.GET.OBJECT, REST.HEAD.OBJECT: reading an object or its metadata through the API.
// - REST.COPY.OBJECT_GET: the source side of CopyObject (the destination logs REST.COPY.OBJECT).
// - REST.COPY.PART_GET: the source side of UploadPartCopy, which `aws s3 cp` and the SDKs' transfer
//   managers use to copy large objects.
// - WEBSITE.GET.OBJECT, WEBSITE.HEAD.OBJECT: reads through the bucket's static-website endpoint.
// - REST.POST.RESTORE: a request to restore an archived object (Glacier, Deep Archive) to read it;
//   S3 answers 202 Accepted while the restore runs.
// Not counted: listings (REST.GET.BUCKET, …), writes and deletes (REST.PUT.*, REST.DELETE.*,
// BATCH.DELETE.OBJECT), reads of an object's configuration (REST.GET.ACL, REST.GET.OBJECT_TAGGING,
// …), and S3's own work (S3.*, requester AmazonS3: lifecycle, restores completing, replication).

export const READ_OPERATIONS = [
  'REST.GET.OBJECT',
  'REST.HEAD.OBJECT',
  'REST.COPY.OBJECT_GET',
  'REST.COPY.PART_GET',
  'WEBSITE.GET.OBJECT',
  'WEBSITE.HEAD.OBJECT',
  'REST.POST.RESTORE',
] as const;

/** Statuses of a read that happened: OK, partial content (ranges), not modified (a cached copy was current), accepted (a restore started). */
export const READ_STATUSES = [200, 202, 206, 304] as const;

/** Requesters whose reads are S3's own machinery, not use. */
export const SERVICE_REQUESTERS = ['AmazonS3'] as const;
