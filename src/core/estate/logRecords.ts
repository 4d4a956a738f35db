// Builds access-log records for the synthetic estate: client requests with realistic fields, and
// S3's own (lifecycle) records with no client, no request line and no TLS.

import type { AccessLogRecord } from '../accessLog/format';
import type { Random } from '../random';
import { encodeKeyPath } from '../s3keys';

const IPV4 = ['192.0.2.', '198.51.100.', '203.0.113.'];
const ROLES = ['etl-reader', 'analytics', 'api-service', 'backup-job'];
const CIPHERS = ['ECDHE-RSA-AES128-GCM-SHA256', 'TLS_AES_128_GCM_SHA256'];
const TLS = ['TLSv1.2', 'TLSv1.3'];
const USER_AGENTS = [
  'aws-sdk-java/1.12.261 Linux/5.10.184-175.731.amzn2.x86_64 OpenJDK_64-Bit_Server_VM/11.0.20+8-LTS java/11.0.20 vendor/Amazon.com_Inc. exec-env/AWS_ECS_EC2',
  'aws-cli/2.13.5 Python/3.11.4 Linux/5.15.0-1041-aws exe/x86_64.ubuntu.22 prompt/off command/s3.cp',
  'Boto3/1.28.0 md/Botocore#1.31.0 ua/2.0 os/linux#5.10.186 md/arch#x86_64 lang/python#3.9.16 md/pyimpl#CPython cfg/retry-mode#legacy Botocore/1.31.0',
  'S3Console/0.4, aws-internal/3 aws-sdk-java/1.12.488 Linux/5.10.184 OpenJDK_64-Bit_Server_VM/25.372-b08 java/1.8.0_372',
  'aws-sdk-go-v2/1.21.0 os/linux lang/go#1.21.0 md/GOOS#linux md/GOARCH#amd64 api/s3#1.38.5',
  'Apache-HttpClient/4.5.13 (Java/17.0.8) Spark/3.4.1 Hadoop/3.3.3 aws-sdk-java/1.12.367',
];
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

export class LogRecordFactory {
  constructor(
    private readonly bucketOwner: string,
    private readonly bucket: string,
    private readonly accountId: string,
    private readonly region: string,
  ) {}

  /** A client request; `fields` override the drawn defaults. */
  client(time: number, random: Random, fields: Partial<AccessLogRecord> & Pick<AccessLogRecord, 'operation'>): AccessLogRecord {
    const viaAccessPoint = random.chance(0.04);
    const ipv6 = random.chance(0.15);
    return {
      bucketOwner: this.bucketOwner,
      bucket: this.bucket,
      time,
      remoteIp: ipv6 ? `2001:db8:${random.int(65536).toString(16)}::${random.int(65536).toString(16)}` : `${random.pick(IPV4)}${1 + random.int(254)}`,
      requester: `arn:aws:sts::${this.accountId}:assumed-role/${random.pick(ROLES)}/session-${random.hex(4)}`,
      requestId: random.hex(8).toUpperCase(),
      key: null,
      request: null,
      httpStatus: 200,
      errorCode: null,
      bytesSent: null,
      objectSize: null,
      totalTimeMs: 5 + random.int(400),
      turnAroundMs: 1 + random.int(60),
      referrer: random.chance(0.03) ? 'https://console.aws.amazon.com/' : null,
      userAgent: random.pick(USER_AGENTS),
      versionId: null,
      hostId: `${random.chars(BASE64, 75)}=`,
      signatureVersion: 'SigV4',
      cipherSuite: random.pick(CIPHERS),
      authType: 'AuthHeader',
      hostHeader: viaAccessPoint
        ? `ap-${random.hex(3)}-${this.accountId}.s3-accesspoint.${this.region}.amazonaws.com`
        : `${this.bucket}.s3.${this.region}.amazonaws.com`,
      tlsVersion: random.pick(TLS),
      accessPointArn: viaAccessPoint ? `arn:aws:s3:${this.region}:${this.accountId}:accesspoint/reports-ap` : null,
      aclRequired: random.chance(0.02) ? 'Yes' : null,
      sourceRegion: random.chance(0.9) ? this.region : null,
      ...fields,
    };
  }

  /**
   * A read through the bucket's static-website endpoint, as the real line of the corpus shows one
   * (knil-sama's, from CloudFront): anonymous, no signature, cipher, authentication or TLS.
   */
  website(time: number, random: Random, key: string, size: number): AccessLogRecord {
    return {
      ...this.client(time, random, { operation: 'WEBSITE.GET.OBJECT', key, request: `GET /${encodeKeyPath(key)}`, bytesSent: size, objectSize: size }),
      requester: '-',
      userAgent: random.chance(0.5) ? 'Amazon CloudFront' : 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36',
      signatureVersion: null,
      cipherSuite: null,
      authType: null,
      tlsVersion: null,
      accessPointArn: null,
      hostHeader: `${this.bucket}.s3-website-${this.region}.amazonaws.com`,
    };
  }

  /** A record of S3's own work (lifecycle, transitions): requester AmazonS3, no client fields. */
  internal(time: number, random: Random, operation: string, key: string): AccessLogRecord {
    return {
      bucketOwner: this.bucketOwner,
      bucket: this.bucket,
      time,
      remoteIp: '-',
      requester: 'AmazonS3',
      requestId: random.hex(8).toUpperCase(),
      operation,
      key,
      request: null,
      httpStatus: null,
      errorCode: null,
      bytesSent: null,
      objectSize: null,
      totalTimeMs: null,
      turnAroundMs: null,
      referrer: null,
      userAgent: null,
      versionId: null,
      hostId: null,
      signatureVersion: null,
      cipherSuite: null,
      authType: null,
      hostHeader: null,
      tlsVersion: null,
      accessPointArn: null,
      aclRequired: null,
      sourceRegion: null,
    };
  }
}
