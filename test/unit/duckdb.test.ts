import { describe, it } from 'node:test';
import * as assert from 'node:assert/strict';
import { checkLocalEngine } from '../../src/engines/duckdb';

describe('the embedded DuckDB engine', () => {
  it('loads the native binary for this platform and answers a query', async () => {
    const info = await checkLocalEngine();
    assert.match(info.version, /^v\d+\.\d+\.\d+/);
    assert.equal(info.platform, `${process.platform}-${process.arch}`);
  });
});
