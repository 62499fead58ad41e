/** About: version, host, database, API address. */
import os from 'node:os';
import React from 'react';
import { Box } from 'ink';
import { Text } from '../components/Text.js';
import { useShell } from '../context.js';
import { KeyValues, Title } from '../components/Panels.js';
import { useBindings } from '../hooks/use-operation.js';
import { SCREENS, screenMode } from './catalogue.js';

export function AboutScreen(): React.ReactElement {
  const { services, theme, app } = useShell();
  const { options } = services;
  useBindings([]);
  const present = SCREENS.filter((s) => screenMode(app, s) !== 'unbuilt').map((s) => s.label);
  const absent = SCREENS.filter((s) => screenMode(app, s) === 'unbuilt').map((s) => s.label);
  return (
    <Box flexDirection="column" paddingX={1}>
      <Title text="About Calypso" theme={theme} />
      <Text> </Text>
      <KeyValues
        rows={[
          ['Version', options.version],
          ['Host', `${options.hostname ?? os.hostname()}: ${options.hostKind === 'sim' ? 'SIMULATED appliance (no real disks are touched)' : 'this machine (real tools)'}`],
          ['Database', options.dbDescription],
          ['API', options.apiUrl ? `${options.apiUrl}/api/v1 (OpenAPI: ${options.apiUrl}/api/v1/openapi.json)` : <Text color={theme.c('red')}>not running: {options.apiError ?? 'not started'}</Text>],
          ['Log file', options.logFile ?? '-'],
          ['Node.js', process.version],
          ['Terminal', `${process.env.TERM ?? 'unknown'}, ${theme.glyphs} glyphs, colour ${theme.color ? 'on' : 'off (NO_COLOR)'}`],
          ['Operations', `${app.registry.all().length} registered, ${app.registry.permissions().length} permissions`],
          ['In this build', present.join(', ')],
          ['Not yet', absent.join(', ') || 'none'],
        ]}
      />
    </Box>
  );
}
