/**
 * HTML named character references a secret's characters can take in a page
 * or an XML document: every HTML5 name for a printable ASCII character (the
 * ones escapers write: `&amp;`, `&quot;`, `&sol;`, `&equals;`...), the
 * Latin-1 letters and signs, and the typographic ones a template may
 * substitute. Names are case-sensitive, as in HTML (`&AMP;` exists,
 * `&Amp;` does not).
 */
const ASCII: Record<string, string> = {
  Tab: "\t",
  NewLine: "\n",
  excl: "!",
  quot: '"',
  QUOT: '"',
  num: "#",
  dollar: "$",
  percnt: "%",
  amp: "&",
  AMP: "&",
  apos: "'",
  lpar: "(",
  rpar: ")",
  ast: "*",
  midast: "*",
  plus: "+",
  comma: ",",
  period: ".",
  sol: "/",
  colon: ":",
  semi: ";",
  lt: "<",
  LT: "<",
  equals: "=",
  gt: ">",
  GT: ">",
  quest: "?",
  commat: "@",
  lsqb: "[",
  lbrack: "[",
  bsol: "\\",
  rsqb: "]",
  rbrack: "]",
  Hat: "^",
  lowbar: "_",
  UnderBar: "_",
  grave: "`",
  DiacriticalGrave: "`",
  lcub: "{",
  lbrace: "{",
  verbar: "|",
  vert: "|",
  VerticalLine: "|",
  rcub: "}",
  rbrace: "}",
  NonBreakingSpace: "\u00a0",
  ndash: "\u2013",
  mdash: "\u2014",
  lsquo: "\u2018",
  rsquo: "\u2019",
  sbquo: "\u201a",
  ldquo: "\u201c",
  rdquo: "\u201d",
  bdquo: "\u201e",
  hellip: "\u2026",
  euro: "\u20ac",
  trade: "\u2122",
};

/** HTML 4's Latin-1 names, in code point order from U+00A0. */
const LATIN1 =
  "nbsp iexcl cent pound curren yen brvbar sect uml copy ordf laquo not shy reg macr deg plusmn sup2 sup3 acute micro para middot cedil sup1 ordm raquo frac14 frac12 frac34 iquest Agrave Aacute Acirc Atilde Auml Aring AElig Ccedil Egrave Eacute Ecirc Euml Igrave Iacute Icirc Iuml ETH Ntilde Ograve Oacute Ocirc Otilde Ouml times Oslash Ugrave Uacute Ucirc Uuml Yacute THORN szlig agrave aacute acirc atilde auml aring aelig ccedil egrave eacute ecirc euml igrave iacute icirc iuml eth ntilde ograve oacute ocirc otilde ouml divide oslash ugrave uacute ucirc uuml yacute thorn yuml";

export const NAMED_REFERENCES: ReadonlyMap<string, string> = new Map([
  ...Object.entries(ASCII),
  ...LATIN1.split(" ").map((name, i) => [name, String.fromCharCode(0xa0 + i)] as [string, string]),
]);

/** The longest name above, so a reader knows how far to look for the `;`. */
export const LONGEST_NAME = Math.max(...[...NAMED_REFERENCES.keys()].map((name) => name.length));
