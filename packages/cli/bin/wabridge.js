#!/usr/bin/env node
// The CLI is TypeScript run through tsx with the workspace's `source` export condition (the
// repository runs TypeScript directly; see README), so it starts as a child node process.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const main = fileURLToPath(new URL('../src/main.ts', import.meta.url))
const { status, signal } = spawnSync(process.execPath, ['--import', 'tsx', '--conditions=source', main, ...process.argv.slice(2)], { stdio: 'inherit' })
process.exitCode = status ?? (signal ? 1 : 0)
