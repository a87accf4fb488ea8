/** RFC 4180 CSV: quoted fields with "" escapes, commas and newlines inside quotes, CRLF or LF. */
export interface CsvRow {
  /** 1-based line where the row starts. */
  line: number;
  fields: string[];
}

export function parseCsv(text: string): { rows: CsvRow[]; errors: Array<{ line: number; reason: string }> } {
  const rows: CsvRow[] = [];
  const errors: Array<{ line: number; reason: string }> = [];
  let fields: string[] = [];
  let field = '';
  let inQuotes = false;
  let line = 1;
  let rowStart = 1;
  let sawAny = false;
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const endRow = (): void => {
    fields.push(field);
    if (!(fields.length === 1 && fields[0] === '' && !sawAny)) rows.push({ line: rowStart, fields });
    fields = [];
    field = '';
    sawAny = false;
  };
  for (let i = 0; i < body.length; i += 1) {
    const c = body[i] as string;
    if (inQuotes) {
      if (c === '"') {
        if (body[i + 1] === '"') {
          field += '"';
          i += 1;
        } else inQuotes = false;
      } else {
        if (c === '\n') line += 1;
        field += c;
      }
      continue;
    }
    if (c === '"' && field === '') {
      inQuotes = true;
      sawAny = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
      sawAny = true;
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i += 1;
      endRow();
      line += 1;
      rowStart = line;
    } else {
      field += c;
      sawAny = true;
    }
  }
  if (inQuotes) errors.push({ line: rowStart, reason: 'unterminated quoted field (a " is not closed before the end of the file)' });
  else if (field !== '' || fields.length > 0 || sawAny) endRow();
  return { rows, errors };
}
