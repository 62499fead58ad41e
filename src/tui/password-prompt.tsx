/**
 * The CLI's password prompt (`calypso user add`, `calypso user passwd`) on a terminal, from
 * maintained libraries instead of hand-written raw-mode code (issue 18): Ink and ink-text-input,
 * which the console already uses, own the raw mode, the key decoding (paste, Backspace, arrows)
 * and giving the terminal back. The typed characters show as `*` (ink-text-input masks with a
 * character; an empty mask would show the password) and become "(hidden)" once entered.
 * Ctrl-C cancels. `--password-stdin` (and a non-terminal standard input) does not come here.
 */
import React, { useEffect, useState } from 'react';
import { Box, render, useApp, useInput } from 'ink';
import { Text } from './components/Text.js';
import TextInput from 'ink-text-input';

export class PromptCancelled extends Error {
  constructor() {
    super('cancelled');
  }
}

function Prompt({ label, onDone }: { label: string; onDone: (value: string | null) => void }): React.ReactElement {
  const [value, setValue] = useState('');
  const [entered, setEntered] = useState(false);
  const { exit } = useApp();
  // Ends after the "(hidden)" frame is drawn, so the masked value does not stay on the screen.
  useEffect(() => {
    if (entered) exit();
  }, [entered, exit]);
  useInput((input, key) => {
    if (key.ctrl && input === 'c') {
      onDone(null);
      exit();
    }
  });
  return (
    <Box>
      <Text>{label}</Text>
      {entered ? (
        <Text dimColor>(hidden)</Text>
      ) : (
        <TextInput
          value={value}
          mask="*"
          onChange={(next) => {
            // A paste or a password manager types the password and Enter in one chunk, which the
            // text input keeps as text: the line ends at the first line break.
            // Ctrl-C in the same chunk cancels, as on its own.
            let end = -1;
            for (let i = 0; i < next.length && end < 0; i++) if (next[i] === '\r' || next[i] === '\n' || next[i] === '\x03') end = i;
            if (end < 0) setValue(next);
            else if (next[end] === '\x03') {
              onDone(null);
              exit();
            } else {
              onDone(next.slice(0, end));
              setEntered(true);
            }
          }}
          onSubmit={(v) => {
            onDone(v);
            setEntered(true);
          }}
        />
      )}
    </Box>
  );
}

/** Asks for one line without showing it; rejects with PromptCancelled on Ctrl-C. */
export async function promptPassword(
  label: string,
  io: { stdin: NodeJS.ReadStream; stdout: NodeJS.WriteStream } = { stdin: process.stdin, stdout: process.stdout },
): Promise<string> {
  let answer: string | null = null;
  // Raw mode (no echo) before the prompt is drawn: Ink turns it on only after its first frame, and
  // a password typed in between would be echoed by the terminal.
  const wasRaw = io.stdin.isTTY ? io.stdin.isRaw : false;
  if (io.stdin.isTTY) io.stdin.setRawMode(true);
  const instance = render(
    <Prompt
      label={label}
      onDone={(v) => {
        answer = v;
      }}
    />,
    { stdin: io.stdin, stdout: io.stdout, exitOnCtrlC: false, patchConsole: false },
  );
  try {
    await instance.waitUntilExit();
  } finally {
    if (io.stdin.isTTY) io.stdin.setRawMode(wasRaw);
  }
  if (answer === null) throw new PromptCancelled();
  return answer;
}
