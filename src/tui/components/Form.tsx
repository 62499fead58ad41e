/** A form generated from an operation's input schema, with the service's field errors inline. */
import React, { useMemo, useRef, useState } from 'react';
import { Box, useInput } from 'ink';
import { Text } from './Text.js';
import { ValidationError, errorMessage } from '../../contracts/errors.js';
import type { AnyContract } from '../../contracts/core.js';
import { displayKey } from '../keys.js';
import { pad } from '../format.js';
import { addRepeatFields, buildInput, checkFields, fieldsOf, toFieldText, type Field } from '../schema-fields.js';
import type { Theme } from '../theme.js';
import { TextField } from './TextField.js';

/** A hand-built form's field label (the pool wizard, schedules, NFS): the pointer and the name padded to `width`, bold and cyan when focused. */
export function FieldLabel({ theme, focused, text, width }: { theme: Theme; focused: boolean; text: string; width: number }): React.ReactElement {
  return (
    <Text bold={focused} color={focused ? theme.c('cyan') : undefined}>
      {focused ? theme.pointer : ' '} {pad(text, width)}
    </Text>
  );
}

export interface FormProps {
  title: string;
  op: AnyContract;
  initial?: Record<string, unknown>;
  fixed?: Record<string, unknown>;
  only?: string[];
  hide?: string[];
  submitLabel?: string;
  width: number;
  height: number;
  theme: Theme;
  /** Runs the operation; throws the service's error. */
  submit: (input: Record<string, unknown>) => Promise<unknown>;
  onDone: (result: unknown) => void;
  onCancel: () => void;
}

/** Label column: as wide as the longest label (and its required mark), within these bounds. */
const MIN_LABEL_WIDTH = 12;
const MAX_LABEL_WIDTH = 28;

export function Form({
  title,
  op,
  initial = {},
  fixed = {},
  only,
  hide = [],
  submitLabel = 'Save',
  width,
  height,
  theme,
  submit,
  onDone,
  onCancel,
}: FormProps): React.ReactElement {
  const fields: Field[] = useMemo(() => {
    const all = fieldsOf(op).filter((f) => !hide.includes(f.path) && !(f.path in fixed));
    const picked = only ? only.map((p) => all.find((f) => f.path === p)).filter((f): f is Field => Boolean(f)) : all;
    return addRepeatFields(picked, op);
  }, [op, only, hide, fixed]);
  const LABEL_WIDTH = Math.max(MIN_LABEL_WIDTH, Math.min(MAX_LABEL_WIDTH, Math.floor(width / 2.5), Math.max(0, ...fields.map((f) => f.label.length + 2))));
  const [values, setValues] = useState<Record<string, string>>(() => Object.fromEntries(fields.map((f) => [f.path, toFieldText(initial[f.path])])));
  const [focus, setFocus] = useState(0);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<string | null>(null);
  const [sending, setSending] = useState(false);

  const field = fields[focus];
  // Submit reads the latest typed values even when Enter arrives before the re-render.
  const valuesRef = useRef(values);
  const setValue = (path: string, v: string) => {
    valuesRef.current = { ...valuesRef.current, [path]: v };
    setValues(valuesRef.current);
  };

  const send = async () => {
    if (sending) return;
    // Refused here, before anything is sent: empty required fields and a repeated password that differs.
    const local = checkFields(fields, valuesRef.current);
    if (Object.keys(local).length) {
      setErrors(local);
      const missing = fields.filter((f) => local[f.path] === 'required').map((f) => f.label);
      const mismatch = fields.filter((f) => f.repeats !== undefined && local[f.path]).map((f) => f.label);
      setMessage(
        [missing.length ? `Required: ${missing.join(', ')}` : '', mismatch.length ? `${mismatch.join(', ')}: the two entries differ` : '']
          .filter(Boolean)
          .join('. '),
      );
      setFocus(
        Math.max(
          0,
          fields.findIndex((f) => local[f.path]),
        ),
      );
      return;
    }
    setSending(true);
    setMessage(null);
    try {
      const result = await submit(buildInput(fields, valuesRef.current, fixed));
      onDone(result);
    } catch (err) {
      setSending(false);
      if (err instanceof ValidationError) {
        const byField: Record<string, string> = {};
        for (const e of err.errors) {
          const target =
            fields.find((f) => f.path === e.path) ??
            fields.find((f) => e.path.startsWith(`${f.path}.`)) ??
            fields.find((f) => f.path.startsWith(`${e.path}.`) || f.path === e.path);
          if (target && !byField[target.path]) byField[target.path] = e.message;
        }
        setErrors(byField);
        setMessage(err.message); // the detail already names every field and what it takes
        const first = fields.findIndex((f) => byField[f.path]);
        if (first >= 0) setFocus(first);
      } else {
        setErrors({});
        setMessage(errorMessage(err));
      }
    }
  };

  useInput((input, key) => {
    if (sending) return;
    if (key.escape) return onCancel();
    if (key.downArrow || (key.tab && !key.shift)) return setFocus((f) => (f + 1) % Math.max(1, fields.length));
    if (key.upArrow || (key.tab && key.shift)) return setFocus((f) => (f - 1 + fields.length) % Math.max(1, fields.length));
    if (key.return && (!field || field.kind === 'enum' || field.kind === 'boolean')) return void send();
    if (!field) return;
    if (field.kind === 'enum' || field.kind === 'boolean') {
      const options = field.kind === 'boolean' ? ['', 'true', 'false'] : ['', ...(field.options ?? [])];
      const i = options.indexOf(values[field.path] ?? '');
      if (key.rightArrow || input === ' ' || input === 'l') setValue(field.path, options[(i + 1) % options.length]);
      else if (key.leftArrow || input === 'h') setValue(field.path, options[(i - 1 + options.length) % options.length]);
    }
  });

  // Each field takes one line, plus one for its error; scroll to keep the focused one in view.
  const lines = fields.map((f) => (errors[f.path] ? 2 : 1));
  const room = Math.max(3, height - 5);
  let start = 0;
  const used = (from: number, to: number) => lines.slice(from, to + 1).reduce((a, b) => a + b, 0);
  while (start < focus && used(start, focus) > room) start++;
  let end = start;
  while (end < fields.length && used(start, end) <= room) end++;
  const valueWidth = Math.max(8, width - LABEL_WIDTH - 4);

  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="wrap">
        {title}
        {sending ? <Text color={theme.c('yellow')}> working...</Text> : null}
      </Text>
      {message ? (
        <Text color={theme.c('red')} wrap="wrap">
          {message}
        </Text>
      ) : (
        <Text dimColor wrap="truncate">
          {fields.length
            ? `${displayKey('up', theme.glyphs === 'ascii')}${displayKey('down', theme.glyphs === 'ascii')} move  Enter ${submitLabel.toLowerCase()}  Esc cancel${fields.some((f) => f.required) ? '  * required' : ''}`
            : `Enter ${submitLabel.toLowerCase()}, Esc cancel`}
        </Text>
      )}
      {fields.slice(start, end).map((f, i) => {
        const at = start + i;
        const focused = at === focus;
        const v = values[f.path] ?? '';
        const shownDefault =
          f.defaultValue !== undefined && f.defaultValue !== '' && typeof f.defaultValue !== 'object'
            ? `default ${String(f.defaultValue)}`
            : f.required
              ? 'required'
              : 'optional';
        return (
          <Box key={f.path} flexDirection="column">
            <Box>
              <Text color={focused ? theme.c('cyan') : undefined} bold={focused} wrap="truncate">
                {focused ? theme.pointer : ' '} {pad(`${f.label}${f.required ? '*' : ''}`, LABEL_WIDTH)}{' '}
              </Text>
              {f.kind === 'enum' || f.kind === 'boolean' ? (
                <Text inverse={focused} wrap="truncate">
                  {v ? `< ${v} >` : `< ${shownDefault} >`}
                </Text>
              ) : (
                <Box width={valueWidth}>
                  <TextField
                    value={v}
                    focus={focused}
                    mask={f.kind === 'password' ? '*' : undefined}
                    placeholder={shownDefault}
                    onChange={(nv) => {
                      if (!sending) setValue(f.path, nv);
                    }}
                    onSubmit={() => void send()}
                  />
                </Box>
              )}
            </Box>
            {errors[f.path] ? (
              <Box paddingLeft={3 + LABEL_WIDTH}>
                <Text color={theme.c('red')} wrap="wrap">
                  {theme.glyphs === 'ascii' ? '! ' : '⚠ '}
                  {errors[f.path]}
                </Text>
              </Box>
            ) : null}
          </Box>
        );
      })}
      <Box flexGrow={1} />
      {field ? (
        <Text dimColor wrap="truncate">
          {field.label}
          {field.required ? ' (required)' : ''}: {field.description}
          {field.kind === 'list' ? ' (comma-separated)' : ''}
          {field.kind === 'enum' || field.kind === 'boolean' ? (theme.glyphs === 'ascii' ? ' (Left/Right to choose)' : ' (←/→ to choose)') : ''}
          {field.repeats === undefined ? `  [${field.path}]` : ''}
        </Text>
      ) : null}
    </Box>
  );
}
