import { csvRecord, listFormat } from './csv.js';

describe('csvRecord', () => {
  it('quotes fields with commas, quotes and line breaks, doubling quotes', () => {
    expect(csvRecord(['plain', 'a,b', 'say "hi"', 'two\nlines', null, 42, true])).toBe('plain,"a,b","say ""hi""","two\nlines",,42,true\r\n');
  });

  it('defuses text a spreadsheet would run as a formula, not numbers', () => {
    expect(csvRecord(['=SUM(A1)', '+1', '-x', '@cmd', -300])).toBe("'=SUM(A1),'+1,'-x,'@cmd,-300\r\n");
  });
});

describe('listFormat', () => {
  it('is json by default, csv on request, 404 for anything else', () => {
    expect(listFormat({})).toBe('json');
    expect(listFormat({ format: 'json' })).toBe('json');
    expect(listFormat({ format: 'csv' })).toBe('csv');
    expect(() => listFormat({ format: 'xml' })).toThrow('Not found.');
  });
});
