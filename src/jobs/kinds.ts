// Every module's job kinds, loaded by the server and by `codops worker` so both know the same ones.
// A module adds a line here: `import '../modules/<resource>/jobs.js';`
export {};
