import { ShardCalculator, ShardLimit } from '../src';

describe('ShardCalculator', () => {
  test('reproduces the documentation example: 1024 KB, 2 records/s, 1 consumer -> 2 shards', () => {
    const estimate = ShardCalculator.calculate({ averageRecordSizeKiB: 1024, recordsPerSecond: 2, consumers: 1 });
    expect(estimate.shards).toBe(2);
    expect(estimate.limitingFactor).toBe(ShardLimit.WRITE_BYTES);
    expect(estimate.writeBytesShards).toBe(2);
    expect(estimate.readBytesShards).toBe(1);
  });

  test('reproduces the documentation example: 1024 KB, 6 records/s, 7 consumers -> 21 shards', () => {
    const estimate = ShardCalculator.calculate({ averageRecordSizeKiB: 1024, recordsPerSecond: 6, consumers: 7 });
    expect(estimate.shards).toBe(21);
    expect(estimate.limitingFactor).toBe(ShardLimit.READ_BYTES);
    expect(estimate.writeBytesShards).toBe(6);
  });

  test('applies the 1,000 records/s write limit that the formula misses', () => {
    // 5,000 records/s of 0.1 KiB is only 500 KiB/s, but needs 5 shards for the record rate.
    const estimate = ShardCalculator.calculate({ averageRecordSizeKiB: 0.1, recordsPerSecond: 5000 });
    expect(estimate.shards).toBe(5);
    expect(estimate.limitingFactor).toBe(ShardLimit.WRITE_RECORDS);
    expect(estimate.writeBytesShards).toBe(1);
  });

  test('enhanced fan-out consumers add no read shards', () => {
    const shared = ShardCalculator.calculate({ averageRecordSizeKiB: 1024, recordsPerSecond: 6, consumers: 7 });
    const efo = ShardCalculator.calculate({ averageRecordSizeKiB: 1024, recordsPerSecond: 6, consumers: 7, enhancedFanOut: true });
    expect(shared.shards).toBe(21);
    expect(efo.shards).toBe(6);
    expect(efo.limitingFactor).toBe(ShardLimit.WRITE_BYTES);
  });

  test('does not round exact multiples up', () => {
    const estimate = ShardCalculator.calculate({ averageRecordSizeKiB: 0.1, recordsPerSecond: 30720 });
    // 3,072 KiB/s is exactly 3 MiB/s; 30,720 records/s needs 31 shards for records.
    expect(estimate.writeBytesShards).toBe(3);
    expect(estimate.writeRecordsShards).toBe(31);
  });

  test('never returns fewer than one shard', () => {
    expect(ShardCalculator.calculate({ averageRecordSizeKiB: 0.001, recordsPerSecond: 0.5 }).shards).toBe(1);
  });

  test('flags estimates above the 10,000 shards per stream default limit', () => {
    const big = ShardCalculator.calculate({ averageRecordSizeKiB: 1024, recordsPerSecond: 10_001 });
    expect(big.shards).toBe(10_001);
    expect(big.exceedsDefaultShardLimit).toBe(true);
    const ok = ShardCalculator.calculate({ averageRecordSizeKiB: 1024, recordsPerSecond: 10_000 });
    expect(ok.exceedsDefaultShardLimit).toBe(false);
  });

  test.each([
    [{ averageRecordSizeKiB: 1, recordsPerSecond: 0 }, /recordsPerSecond must be greater than 0, got 0/],
    [{ averageRecordSizeKiB: -1, recordsPerSecond: 10 }, /averageRecordSizeKiB must be greater than 0, got -1/],
    [{ averageRecordSizeKiB: 1, recordsPerSecond: 10, consumers: 0 }, /consumers must be greater than 0, got 0/],
    [{ averageRecordSizeKiB: 1, recordsPerSecond: 10, consumers: 1.5 }, /consumers must be a whole number, got 1.5/],
    [{ averageRecordSizeKiB: 2048, recordsPerSecond: 10 }, /averageRecordSizeKiB must be at most 1,024/],
  ])('rejects invalid input %j', (input, message) => {
    expect(() => ShardCalculator.calculate(input)).toThrow(message);
  });
});
