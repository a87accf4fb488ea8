/** CSV for Bulk API 2.0: RFC 4180 quoting, LF or CRLF line endings, and a configurable delimiter. */

export const DELIMITERS = { COMMA: ',', BACKQUOTE: '`', CARET: '^', PIPE: '|', SEMICOLON: ';', TAB: '\t' } as const;
export type ColumnDelimiter = keyof typeof DELIMITERS;

/** Parses CSV text into rows of cells; blank trailing lines are dropped. */
export function parseCsv(text: string, delimiter = ','): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  let i = 0;
  const endRow = (): void => {
    row.push(cell);
    if (row.length > 1 || row[0] !== '') rows.push(row);
    row = [];
    cell = '';
  };
  while (i < text.length) {
    const ch = text[i] ?? '';
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 2;
        continue;
      }
      if (ch === '"') quoted = false;
      else cell += ch;
      i += 1;
      continue;
    }
    if (ch === '"' && cell === '') quoted = true;
    else if (ch === delimiter) {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      endRow();
      if (ch === '\r' && text[i + 1] === '\n') i += 1;
    } else cell += ch;
    i += 1;
  }
  if (cell !== '' || row.length > 0) endRow();
  return rows;
}

function quote(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}

/** Writes rows with every cell quoted, as Salesforce's result files do. */
export function toCsv(header: string[], rows: string[][], delimiter = ',', lineEnding = '\n'): string {
  return [header, ...rows].map((r) => r.map(quote).join(delimiter)).join(lineEnding) + lineEnding;
}
