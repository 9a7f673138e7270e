import { describe, expect, it } from 'vitest';
import { SelectorError } from '../../src/select/selector-error.js';
import { formatVmIds, idRuns, parseVmIds } from '../../src/select/vm-ids.js';

describe('VM id lists', () => {
  it.each([
    ['8200', [8200]],
    ['8200,8201', [8200, 8201]],
    ['8201,8200,8201', [8200, 8201]],
    ['8200-8203', [8200, 8201, 8202, 8203]],
    ['8200-8200', [8200]],
    [' 8200 , 8202-8203 ', [8200, 8202, 8203]],
    ['8200 - 8202', [8200, 8201, 8202]],
    ['8200 8201', [8200, 8201]],
    ['100,8200,', [100, 8200]],
  ])('%j → %j', (value, expected) => {
    expect(parseVmIds(value)).toEqual(expected);
  });

  it.each([
    ['82a0', /VM_IDS: '82a0' is not a VM id or range; use e\.g\. "8200,8201" or "8200-8209"/],
    ['8200,web-01', /'web-01' is not a VM id or range/],
    ['8200-', /'8200-' is not a VM id or range/],
    ['8209-8200', /range '8209-8200' runs backwards; write 8200-8209/],
    ['99', /'99' is outside PVE's VM id range 100\.\.999999999/],
    ['1000000000', /outside PVE's VM id range/],
    ['100-200000', /range '100-200000' spans more than 100000 ids/],
    ['', /no ids given/],
    [' , ', /no ids given/],
  ])('%j is refused naming the token', (value, message) => {
    expect(() => parseVmIds(value)).toThrow(SelectorError);
    expect(() => parseVmIds(value)).toThrow(message);
  });

  it('names the field it was given', () => {
    expect(() => parseVmIds('x', 'vmSelectors[2].value')).toThrow(/^vmSelectors\[2\]\.value: 'x'/);
  });

  it('formats ids back into the compact form', () => {
    expect(formatVmIds([8200, 8201, 8202, 8300, 8302, 8303])).toBe('8200-8202,8300,8302-8303');
    expect(formatVmIds([])).toBe('');
    expect(idRuns([1, 2, 4])).toEqual([
      [1, 2],
      [4, 4],
    ]);
    expect(parseVmIds(formatVmIds(parseVmIds('8205,8200-8203')))).toEqual([8200, 8201, 8202, 8203, 8205]);
  });
});
