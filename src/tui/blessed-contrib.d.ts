// blessed-contrib ships no types; the console uses its grid, line and gauge widgets.
declare module 'blessed-contrib';
