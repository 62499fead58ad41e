/** About: version, host, database, API address. */
import os from 'node:os';
import React from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import { useShell } from '../context.js';
import { KeyValues, Title } from '../components/Panels.js';
import { useBindings, useQuery } from '../hooks/use-operation.js';
import { SCREENS, screenMode } from './catalogue.js';
import { dateTime } from '../format.js';

export function AboutScreen(): React.ReactElement {
  const { services, theme, app } = useShell();
  const { options } = services;
  const info = app.info;
  useBindings([]);
  const licenses = useQuery('appliance.licenses.list', {});
  const features = licenses.data?.features ?? [];
  const present = SCREENS.filter((s) => screenMode(app, s) !== 'unbuilt').map((s) => s.label);
  const absent = SCREENS.filter((s) => screenMode(app, s) === 'unbuilt').map((s) => s.label);
  return (
    <Box flexDirection="column" paddingX={1}>
      <Title text="About Calypso" theme={theme} />
      <Text> </Text>
      <KeyValues
        rows={[
          ['Version', info && info.version !== options.version ? `console ${options.version}, daemon ${info.version}` : options.version],
          [
            'Host',
            `${info?.hostname ?? options.hostname ?? os.hostname()}: ${app.hostKind === 'sim' ? 'SIMULATED appliance (no real disks are touched)' : 'this machine (real tools)'}`,
          ],
          [
            'Daemon',
            info ? `pid ${info.pid}, running since ${dateTime(info.startedAt)}; this console reaches it at ${options.connection}` : options.connection,
          ],
          ['Database', info?.database ?? '-'],
          ['API', info?.apiUrl ? `${info.apiUrl}/api/v1 (OpenAPI: ${info.apiUrl}/api/v1/openapi.json)` : 'not on TCP (the Unix socket only)'],
          ['Log file', info?.logFile ?? '-'],
          ['Node.js', process.version],
          ['Terminal', `${process.env.TERM ?? 'unknown'}, ${theme.glyphs} glyphs, colour ${theme.color ? 'on' : 'off (NO_COLOR)'}`],
          ['Operations', `${app.contracts().length} registered, ${app.permissions().length} permissions`],
          ['In this build', present.join(', ')],
          ['Not yet', absent.join(', ') || 'none'],
          ['Licenses', licenses.error ?? (licenses.loading && !licenses.data ? 'Loading...' : `${licenses.data?.licenses.length ?? 0} imported`)],
          ...features.map((f): [string, string] => [`  ${f.name}`, `${f.state}: ${f.text}`]),
        ]}
      />
    </Box>
  );
}
