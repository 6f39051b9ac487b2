// What a Chart.js bar chart drew, read from its canvas's pixels: for each colour, the tallest unbroken vertical
// run of that exact colour. A bar is a filled rectangle, so its run is its height; the legend's colour boxes
// are one text line high (about 12 px), so a run well above that is a bar and not the legend.
import type { Locator } from 'playwright-core';

export const LEGEND_BOX_PX = 16;

export async function tallestRuns(canvas: Locator, colours: string[]): Promise<number[]> {
  return canvas.evaluate((element, hexes) => {
    const canvasElement = element as HTMLCanvasElement;
    const context = canvasElement.getContext('2d');
    if (!context) return hexes.map(() => 0);
    const { width, height } = canvasElement;
    const { data } = context.getImageData(0, 0, width, height);
    return hexes.map((hex) => {
      const [r, g, b] = [1, 3, 5].map((start) => parseInt(hex.slice(start, start + 2), 16));
      let tallest = 0;
      for (let x = 0; x < width; x++) {
        let run = 0;
        for (let y = 0; y < height; y++) {
          const at = (y * width + x) * 4;
          run = data[at] === r && data[at + 1] === g && data[at + 2] === b ? run + 1 : 0;
          if (run > tallest) tallest = run;
        }
      }
      return tallest;
    });
  }, colours);
}
