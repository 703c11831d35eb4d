/**
 * Bounds on the XML of an XLSX part, checked on its bytes before an XML parser sees them. A parser
 * keeps a whole text, tag or comment in memory until it ends, and exceljs keeps every row's cells
 * until the row ends: a few MB of zipped XML can inflate to a text of hundreds of millions of
 * characters (the whf audit: a 2.3 MB file took the server to 4 GB). Past a bound the read stops
 * at once, with the error a seller reads after "The file could not be read as XLSX: ".
 */

/** Excel's own limit on a cell's text: no file Excel writes holds a longer one. */
export const MAX_CELL_CHARS = 32_767;
/** A worksheet row's text, as the CSV reader bounds a record (`max_record_size`). */
export const MAX_ROW_CHARS = 1_000_000;
/** Excel's own limit on a worksheet's rows: the reader stopped only at the end of a sheet of hundreds of millions of empty ones. */
export const MAX_ROWS = 1_048_576;
/** A tag with its attributes, a comment or a processing instruction, in bytes. */
export const MAX_MARKUP_BYTES = 100_000;
/** Elements open at once (an XLSX part nests about ten). */
export const MAX_DEPTH = 64;

export interface XmlLimits {
  /** Counts the text since each `<row>` against MAX_ROW_CHARS, and the rows against MAX_ROWS (worksheets). */
  rows?: boolean;
  /** The most elements the part may hold (parts read whole, into objects, by exceljs). */
  elements?: number;
}

const enum S {
  Text,
  Entity,
  Open,
  Tag,
  Quoted,
  Comment,
  Cdata,
  Pi,
}

const LT = 0x3c;
const GT = 0x3e;
const AMP = 0x26;
const SEMI = 0x3b;
const SLASH = 0x2f;
const isSpace = (b: number) => b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d;
const fmt = (n: number) => n.toLocaleString('en');

/** Reads a part's bytes chunk by chunk (`check`), throwing as soon as one passes a bound. */
export class XmlBounds {
  private state = S.Text;
  private text = 0; // characters of the text (or CDATA section) being read
  private rowText = 0;
  private rows = 0;
  private markup = 0; // bytes of the tag, comment or instruction being read
  private head = ''; // what follows `<`, until it tells a comment or CDATA from a tag
  private name = '';
  private naming = false;
  private closing = false;
  private quote = 0;
  private last = 0; // the byte before this one, and the one before it (ends of comments, CDATA, PIs)
  private before = 0;
  private depth = 0;
  private elements = 0;

  constructor(private readonly limits: XmlLimits = {}) {}

  check(chunk: Uint8Array): void {
    for (let i = 0; i < chunk.length; i++) {
      const b = chunk[i]!;
      switch (this.state) {
        case S.Text:
          if (b === LT) this.startMarkup();
          else {
            if (b === AMP) {
              this.state = S.Entity;
              this.markup = 0;
            }
            if ((b & 0xc0) !== 0x80) this.countChar(); // a UTF-8 continuation byte is not a character
          }
          break;
        case S.Entity: // `&amp;` is one character, counted at its `&`
          if (b === SEMI) this.state = S.Text;
          else if (b === LT) this.startMarkup();
          else this.grow();
          break;
        case S.Open:
          this.grow();
          this.classify(b);
          break;
        case S.Tag:
          this.grow();
          this.tagByte(b);
          break;
        case S.Quoted:
          this.grow();
          if (b === this.quote) this.state = S.Tag;
          break;
        case S.Comment:
          this.grow();
          if (b === GT && this.last === 0x2d && this.before === 0x2d) this.state = S.Text;
          break;
        case S.Pi:
          this.grow();
          if (b === GT && this.last === 0x3f) this.state = S.Text;
          break;
        case S.Cdata:
          if (b === GT && this.last === 0x5d && this.before === 0x5d) {
            this.state = S.Text;
            this.text = 0;
          } else if ((b & 0xc0) !== 0x80) this.countChar();
          break;
      }
      this.before = this.last;
      this.last = b;
    }
  }

  private countChar() {
    if (++this.text > MAX_CELL_CHARS) throw new Error(`a cell holds more than ${fmt(MAX_CELL_CHARS)} characters.`);
    if (this.limits.rows && ++this.rowText > MAX_ROW_CHARS) throw new Error(`a row holds more than ${fmt(MAX_ROW_CHARS)} characters.`);
  }

  private grow() {
    if (++this.markup > MAX_MARKUP_BYTES) throw new Error(`its XML holds a tag of more than ${fmt(MAX_MARKUP_BYTES)} characters.`);
  }

  private startMarkup() {
    this.state = S.Open;
    this.text = 0;
    this.markup = 1;
    this.head = '';
  }

  /** After `<`: a closing or opening tag, a processing instruction, a comment or a CDATA section. */
  private classify(b: number) {
    if (this.head === '') {
      if (b === 0x3f) return void (this.state = S.Pi);
      if (b !== 0x21) {
        this.state = S.Tag;
        this.closing = b === SLASH;
        this.name = this.closing ? '' : String.fromCharCode(b);
        this.naming = true;
        return;
      }
    }
    this.head += String.fromCharCode(b);
    if (this.head === '!--') this.state = S.Comment;
    else if (this.head === '![CDATA[') this.state = S.Cdata;
    else if (!'!--'.startsWith(this.head) && !'![CDATA['.startsWith(this.head))
      throw new Error('its XML declares a document type, which an XLSX file may not.');
    this.last = 0; // `<!-->` does not end the comment it opens
  }

  private tagByte(b: number) {
    if (this.naming) {
      if (isSpace(b) || b === GT || b === SLASH) {
        this.naming = false;
        this.named();
      } else if (this.name.length < 16) this.name += String.fromCharCode(b);
    }
    if (b === 0x22 || b === 0x27) {
      this.quote = b;
      this.state = S.Quoted;
    } else if (b === GT) {
      this.state = S.Text;
      if (this.closing) this.depth--;
      else if (this.last !== SLASH && ++this.depth > MAX_DEPTH) throw new Error(`its XML nests more than ${MAX_DEPTH} elements deep.`);
    }
  }

  /** An element's name has been read: counted, and a row starts its text afresh. */
  private named() {
    if (this.closing) return;
    const local = this.name.slice(this.name.indexOf(':') + 1);
    if (local === 'row') {
      this.rowText = 0;
      if (this.limits.rows && ++this.rows > MAX_ROWS) throw new Error(`it holds more than ${fmt(MAX_ROWS)} rows.`);
    }
    const max = this.limits.elements;
    if (max !== undefined && ++this.elements > max) throw new Error(`its XML holds more than ${fmt(max)} elements.`);
  }
}

/** The chunks of `source`, each checked against `limits` before it is passed on. */
export async function* boundedXml(source: AsyncIterable<Uint8Array>, limits: XmlLimits = {}): AsyncGenerator<Uint8Array> {
  const bounds = new XmlBounds(limits);
  for await (const chunk of source) {
    bounds.check(chunk);
    yield chunk;
  }
}
