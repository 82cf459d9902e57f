// Stands in for docker-modem's `./ssh` in the CLI bundle (see bundle-cli.mjs): docker-modem loads
// its ssh:// transport, and with it ssh2 and its WebAssembly crypto, whenever dockerode is
// imported. Only a DOCKER_HOST=ssh://... needs it, so it is loaded on first use instead.
/* global module, require */
module.exports = function sshAgent(options) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- CommonJS on purpose: docker-modem calls it
  return require('docker-modem/lib/ssh.js')(options);
};
