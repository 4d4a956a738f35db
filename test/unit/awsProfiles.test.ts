import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { mergeProfileNames, profileNamesFromIni, regionOfProfile } from '../../src/core/awsProfiles';

const CONFIG = `
[default]
region = us-east-1

[profile dev]
region=eu-west-1 # Ireland
sso_session = corp

[sso-session corp]
sso_region = us-east-1

[profile   admin-role ]
role_arn = arn:aws:iam::123456789012:role/admin
source_profile = dev

[services local]
`;

const CREDENTIALS = `
[default]
aws_access_key_id = AKIAEXAMPLE
aws_secret_access_key = never-shown
[ci]
aws_access_key_id = AKIAEXAMPLE2
`;

describe('AWS profile names', () => {
  it('reads [default] and [profile NAME] from the config file, not sso-session or services sections', () => {
    assert.deepEqual(profileNamesFromIni(CONFIG, 'config'), ['default', 'dev', 'admin-role']);
  });

  it('reads every section of the credentials file as a profile', () => {
    assert.deepEqual(profileNamesFromIni(CREDENTIALS, 'credentials'), ['default', 'ci']);
  });

  it('merges both files, default first, without duplicates', () => {
    assert.deepEqual(mergeProfileNames(profileNamesFromIni(CONFIG, 'config'), profileNamesFromIni(CREDENTIALS, 'credentials')), [
      'default',
      'admin-role',
      'ci',
      'dev',
    ]);
  });

  it('never returns a key or a secret', () => {
    const all = [...profileNamesFromIni(CONFIG, 'config'), ...profileNamesFromIni(CREDENTIALS, 'credentials')].join(' ');
    assert.doesNotMatch(all, /AKIA|never-shown/);
  });

  it("finds a profile's region", () => {
    assert.equal(regionOfProfile(CONFIG, 'default'), 'us-east-1');
    assert.equal(regionOfProfile(CONFIG, 'dev'), 'eu-west-1');
    assert.equal(regionOfProfile(CONFIG, 'admin-role'), undefined);
    assert.equal(regionOfProfile(CONFIG, 'missing'), undefined);
  });
});
