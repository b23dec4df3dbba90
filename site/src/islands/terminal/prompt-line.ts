// Drawing the prompt and the line being edited, wherever the cursor is and however many rows the line wraps over:
// each redraw goes back to the prompt's first row, clears to the end of the screen, writes prompt + text, and puts
// the cursor at its cell. Only positions are remembered (the cursor's cell counted from the prompt's start), so a
// resize is fine: xterm reflows wrapped rows by the same arithmetic. Characters count one cell each (the
// terminal's commands and names are ASCII).

export interface Prompt {
  /** What is written, colours included. */
  text: string;
  /** How many cells it takes. */
  width: number;
}

export const shellPrompt: Prompt = { text: '\x1b[1;32m$\x1b[0m ', width: 2 };
export const continuationPrompt: Prompt = { text: '> ', width: 2 };
export const plainPrompt = (text: string): Prompt => ({ text, width: text.length });

export class PromptLine {
  /** The cursor's cell, counted from the first cell of the prompt, as last drawn. */
  private cursorCell = 0;
  private endCell = 0;

  /** Output ended and a new prompt starts at column 0 of the cursor's row. */
  fresh(): void {
    this.cursorCell = 0;
    this.endCell = 0;
  }

  /** The escape sequence that redraws `prompt` + `text` with the cursor at `cursor` (an index into text). */
  draw(cols: number, prompt: Prompt, text: string, cursor: number): string {
    const width = Math.max(1, cols);
    const up = Math.floor(this.cursorCell / width);
    let seq = `${up ? `\x1b[${up}A` : ''}\r\x1b[J${prompt.text}${text}`;
    const end = prompt.width + text.length;
    // Ending on the last column leaves xterm's cursor waiting to wrap; a space and a carriage return make the
    // wrap happen so the cursor's row is the one the arithmetic below expects.
    if (end > 0 && end % width === 0) seq += ' \r';
    const target = prompt.width + Math.max(0, Math.min(cursor, text.length));
    const rowsUp = Math.floor(end / width) - Math.floor(target / width);
    const col = target % width;
    seq += `${rowsUp > 0 ? `\x1b[${rowsUp}A` : ''}\r${col ? `\x1b[${col}C` : ''}`;
    this.cursorCell = target;
    this.endCell = end;
    return seq;
  }

  /** The sequence that moves below the drawn line, to a new row at column 0 (before output or a list). */
  leave(cols: number): string {
    const width = Math.max(1, cols);
    const down = Math.floor(this.endCell / width) - Math.floor(this.cursorCell / width);
    // A line that filled its last row exactly already moved to a fresh row when drawn.
    const onFreshRow = this.endCell > 0 && this.endCell % width === 0;
    this.fresh();
    return `${down > 0 ? `\x1b[${down}B` : ''}\r${onFreshRow ? '' : '\n'}`;
  }
}
