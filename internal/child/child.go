// Package child starts the processes lspshare starts (the language
// server, and the tests' relays) so that they end with the process that
// started them, as far as each system allows, and ends them:
//
//   - Linux: the kernel kills the child when its parent dies (Pdeathsig).
//   - macOS and the other Unix systems: the child leads a process group, so
//     that Terminate and Kill reach what it started; nothing kills it when
//     its parent dies with SIGKILL, but a language server exits at the end
//     of its input, which closes with its parent.
//   - Windows: the child is assigned to a job object that ends every
//     process in it when lspshare's handle to the job closes, which Windows
//     does however lspshare ends.
package child
