// scripts/build.mjs loads .css files as text; the panels adopt them as constructable stylesheets (no inline style
// elements, so the CSP needs no 'unsafe-inline').
declare module '*.css' {
  const text: string;
  export default text;
}
