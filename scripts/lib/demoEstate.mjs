// The demo's S3 estate, uploaded to the local S3 server. A small, fixed stand-in with the key
// shapes of a bucket that grew for years; the deterministic generator (`s3-lifecycle generate`)
// replaces it when it lands.

import { CreateBucketCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';

export const DEMO_BUCKETS = { estate: 'demo-estate', logs: 'demo-access-logs', inventory: 'demo-inventory' };

function demoKeys() {
  const keys = [];
  for (let tenant = 1; tenant <= 12; tenant++) {
    for (let day = 1; day <= 20; day++) {
      keys.push(`tenant-${String(tenant).padStart(3, '0')}/2023/07/${String(day).padStart(2, '0')}/report-${tenant}-${day}.json`);
    }
  }
  for (let day = 1; day <= 30; day++) {
    for (let part = 1; part <= 4; part++) keys.push(`warehouse/events/dt=2024-01-${String(day).padStart(2, '0')}/part-${String(part).padStart(4, '0')}.parquet`);
  }
  for (let i = 0; i < 1100; i++) keys.push(`logs/app/2024/03/${String(i).padStart(5, '0')}.log`);
  keys.push('images/', 'images/cat photo (1).jpg', 'images/ümlaut+plus%percent.png', 'README.txt');
  return keys;
}

export async function uploadDemoEstate(endpoint, log) {
  const client = new S3Client({ endpoint, forcePathStyle: true, region: 'us-east-1', credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  try {
    for (const bucket of Object.values(DEMO_BUCKETS)) await client.send(new CreateBucketCommand({ Bucket: bucket }));
    const keys = demoKeys();
    let next = 0;
    const worker = async () => {
      while (next < keys.length) {
        const key = keys[next++];
        await client.send(new PutObjectCommand({ Bucket: DEMO_BUCKETS.estate, Key: key, Body: Buffer.from(key.endsWith('/') ? '' : `demo object ${key}\n`) }));
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    log(`Uploaded ${keys.length} demo objects to s3://${DEMO_BUCKETS.estate}/`);
    return { objects: keys.length };
  } finally {
    client.destroy();
  }
}
