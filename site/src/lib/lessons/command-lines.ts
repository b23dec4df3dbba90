// Text typed or pasted into the terminal, or written in a lesson's ```sh run block → the command lines to run, in
// order. One line is one command; a heredoc (`kubectl apply -f - <<EOF` … `EOF`, or `<<'EOF'`, `<<-EOF`) makes
// its body that command's standard input, which is how upstream tutorials pass a manifest to `kubectl apply -f -`
// (their other spelling, `cat <<EOF | kubectl apply -f -`, means the same and is read the same). A line ending in
// `\` continues on the next, as in a shell. No other shell syntax is understood here: the server refuses it with a
// message saying so.
// Dependency-free: the terminal and the lesson pages ship it to the browser.

export interface CommandLine {
  line: string;
  /** The heredoc body, ending with a newline, for `-f -`. */
  stdin?: string;
}

export interface ParsedCommands {
  commands: CommandLine[];
  /** Set when the text ends inside a heredoc: the delimiter still awaited (the terminal prompts `> ` for more). */
  awaiting?: string;
}

const HEREDOC = /^(.*?)\s*<<(-?)\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\3\s*$/;
const CAT_HEREDOC = /^cat\s*<<(-?)\s*(['"]?)([A-Za-z_][A-Za-z0-9_]*)\2\s*\|\s*(.+)$/;

/** `cat <<EOF | kubectl apply -f -` → `kubectl apply -f - <<EOF`. */
function heredocOf(line: string): { command: string; stripTabs: boolean; delimiter: string } | undefined {
  const cat = CAT_HEREDOC.exec(line);
  if (cat) return { command: cat[4], stripTabs: cat[1] === '-', delimiter: cat[3] };
  const h = HEREDOC.exec(line);
  return h ? { command: h[1], stripTabs: h[2] === '-', delimiter: h[4] } : undefined;
}

export function parseCommandText(text: string): ParsedCommands {
  const rows = text.replace(/\r\n?/g, '\n').split('\n');
  const commands: CommandLine[] = [];
  for (let i = 0; i < rows.length; i++) {
    let line = rows[i].trim();
    if (!line) continue;
    // Continuations: `curl -H 'a: b' \` + the next line is one command.
    while (/(^|[^\\])\\$/.test(line) && i + 1 < rows.length) line = `${line.slice(0, -1).trimEnd()} ${rows[++i].trim()}`.trim();
    const heredoc = heredocOf(line);
    if (!heredoc) {
      commands.push({ line });
      continue;
    }
    const { command, stripTabs, delimiter } = heredoc;
    const body: string[] = [];
    let closed = false;
    for (i++; i < rows.length; i++) {
      const row = stripTabs ? rows[i].replace(/^\t+/, '') : rows[i];
      if (row.trim() === delimiter) {
        closed = true;
        break;
      }
      body.push(row);
    }
    if (!closed) return { commands, awaiting: delimiter };
    commands.push({ line: command.trim(), stdin: body.length ? `${body.join('\n')}\n` : '' });
  }
  return { commands };
}
