// Text of a PDF (what Chromium printed), page by page, with pdfjs-dist's legacy build in Node (no canvas needed
// for text). Items are joined by spaces and pages by form feeds, so tests can look for phrases.
import { createRequire } from 'node:module';

interface TextItem {
  str?: string;
}
interface PdfPage {
  getTextContent(): Promise<{ items: TextItem[] }>;
}
interface PdfDocument {
  numPages: number;
  getPage(index: number): Promise<PdfPage>;
  destroy(): Promise<void>;
}
interface PdfJs {
  getDocument(options: { data: Uint8Array; isEvalSupported?: boolean; useSystemFonts?: boolean }): {
    promise: Promise<PdfDocument>;
  };
}

const require = createRequire(import.meta.url);

export async function pdfText(bytes: Uint8Array): Promise<{ pages: number; text: string }> {
  const pdfjs = require('pdfjs-dist/legacy/build/pdf.js') as PdfJs;
  const document = await pdfjs.getDocument({ data: new Uint8Array(bytes), isEvalSupported: false }).promise;
  const pages: string[] = [];
  for (let index = 1; index <= document.numPages; index++) {
    const content = await (await document.getPage(index)).getTextContent();
    pages.push(content.items.map((item) => item.str ?? '').join(' '));
  }
  const count = document.numPages;
  await document.destroy();
  return { pages: count, text: pages.join('\f').replace(/\s+/g, ' ') };
}
