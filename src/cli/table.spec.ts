import { formatTable, yesNo } from './table.js';

describe('formatTable', () => {
  it('aligns columns to the widest cell with two spaces and no trailing blanks', () => {
    expect(formatTable(['ID', 'USERNAME', 'ROLE'], [['1', 'admin', 'admin'], ['12', 'jane_smith_long', 'user']])).toEqual([
      'ID  USERNAME         ROLE',
      '1   admin            admin',
      '12  jane_smith_long  user',
    ]);
  });

  it('prints just the header for no rows', () => {
    expect(formatTable(['A', 'B'], [])).toEqual(['A  B']);
    expect(yesNo(true)).toBe('yes');
    expect(yesNo(false)).toBe('no');
  });
});
