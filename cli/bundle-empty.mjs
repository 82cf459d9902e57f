// Stands in for optional packages the CLI bundle leaves out (see bundle-cli.mjs).
export default { connectToDevTools() {} };
