import React, { useRef } from 'react';
import { useInput } from 'ink';
import { Text } from './Text.js';

export interface TextFieldProps {
  /** Current text. */
  value: string;
  onChange: (value: string) => void;
  /** Enter; also a paste that ends in a newline. */
  onSubmit?: (value: string) => void;
  /** Takes keys only when focused. */
  focus: boolean;
  /** Show this character instead of each typed one (passwords). */
  mask?: string;
  placeholder?: string;
  /** Draw the cursor in inverse video (off when the terminal has no attributes to spare). */
  cursor?: boolean;
  /** Asked at each key: false when focus moved away in keys not yet rendered. */
  stillFocused?: () => boolean;
}

/** A one-line text input that also handles pasted text containing the Enter. */
export function TextField({ value, onChange, onSubmit, focus, mask, placeholder, cursor = true, stillFocused }: TextFieldProps): React.ReactElement {
  // Keys that arrive before React re-renders (typed fast, or text then Enter in one read)
  // must build on each other, not on the value of the last render.
  const latest = useRef(value);
  latest.current = value;
  const change = (next: string) => {
    latest.current = next;
    onChange(next);
  };
  useInput(
    (input, key) => {
      if (stillFocused && !stillFocused()) return;
      if (key.upArrow || key.downArrow || key.tab || key.escape || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown) return;
      const value = latest.current;
      if (key.return) return onSubmit?.(value);
      if (key.backspace || key.delete) return change(value.slice(0, -1));
      if (key.ctrl && input === 'u') return change('');
      if (key.ctrl || key.meta || !input) return;
      const newline = input.search(/[\r\n]/);
      if (newline >= 0) {
        const text = value + input.slice(0, newline).replace(/[\x00-\x1f]/g, '');
        change(text);
        onSubmit?.(text);
        return;
      }
      change(value + input.replace(/[\x00-\x1f]/g, ''));
    },
    { isActive: focus },
  );
  const shown = mask ? mask.repeat(value.length) : value;
  if (!shown && placeholder && !focus) return <Text dimColor>{placeholder}</Text>;
  return (
    <Text>
      {shown}
      {focus && cursor ? <Text inverse> </Text> : focus ? '_' : ''}
    </Text>
  );
}
