// The position of a cron expression's error: which field, its name and range, and its column.
import { describe, expect, it } from 'vitest';
import { cronFieldProblem } from '../../src/schedule/cron-fields.js';

describe('cronFieldProblem', () => {
  it('names the field, its range and its column in standard cron', () => {
    expect(cronFieldProblem('0 25 * * *')).toEqual({ field: 2, name: 'hour', column: 2, length: 2, message: 'field 2 (hour): 25 is out of range 0–23' });
    expect(cronFieldProblem('61 2 * * *')?.message).toBe('field 1 (minute): 61 is out of range 0–59');
    expect(cronFieldProblem('0 2 32 * *')?.message).toBe('field 3 (day of month): 32 is out of range 1–31');
    expect(cronFieldProblem('0 2 * 13 *')?.message).toBe('field 4 (month): 13 is out of range 1–12 or JAN–DEC');
    expect(cronFieldProblem('0 2 * FOO *')).toMatchObject({ field: 4, column: 6, length: 3, message: "field 4 (month): 'FOO' is not a number or a name (1–12 or JAN–DEC)" });
    expect(cronFieldProblem('0 2 * * 8')?.message).toBe('field 5 (day of week): 8 is out of range 0–7 or SUN–SAT');
    expect(cronFieldProblem('*/0 * * * *')?.message).toBe('field 1 (minute): the step /0 must be at least 1');
    expect(cronFieldProblem('x 2 * * *')?.field).toBe(1);
    expect(cronFieldProblem('0  2 1-40 * *')).toMatchObject({ field: 3, column: 5, length: 4 });
  });

  it('knows Quartz fields (seconds first, weekdays 1-7, a year)', () => {
    expect(cronFieldProblem('0 0 25 * * ?')?.message).toBe('field 3 (hour): 25 is out of range 0–23');
    expect(cronFieldProblem('0 0 2 ? * 9')?.message).toBe('field 6 (day of week): 9 is out of range 1–7 or SUN–SAT');
    expect(cronFieldProblem('0 0 0 1 1 ? 3000')?.message).toBe('field 7 (year): 3000 is out of range 1970–2099');
  });

  it('blames no single field when the expression is fine, has the wrong count, or its fields clash', () => {
    for (const ok of ['0 2 * * *', '0 2 * * MON-FRI', '0 0 2 * * ?', '0 0 0 1 1 ? 2099', '0 2 * * 1#2', '0 0 2 L * ?', '0 0 2 ? * 6L']) expect(cronFieldProblem(ok), ok).toBeUndefined();
    expect(cronFieldProblem('0 2 * *')).toBeUndefined();
    expect(cronFieldProblem('0 0 2 5 * MON')).toBeUndefined();
  });
});
