// The program sets images put on their $PATH: a busybox-like base (sh and the applets), and the base plus
// curl for images that ship it. An image registers one of these (or its own, spread from them) as `programs`.
import type { ProgramSet } from './program.js';
import * as core from './bin/coreutils.js';
import { curl } from './bin/curl.js';
import { nslookup, wget } from './bin/net-tools.js';
import { sh } from './bin/sh.js';
import { tar } from './bin/tar.js';
import * as text from './bin/text-tools.js';

/** busybox's applets the sandbox implements (`ash` and `sh` are the same shell). */
export const BASE_PROGRAMS: ProgramSet = Object.freeze({
  sh,
  ash: sh,
  echo: core.echo,
  cat: core.cat,
  env: core.env,
  printenv: core.printenv,
  hostname: core.hostname,
  ls: core.ls,
  pwd: core.pwd,
  sleep: core.sleep,
  true: core.trueProgram,
  false: core.falseProgram,
  date: core.date,
  id: core.id,
  whoami: core.whoami,
  uname: core.uname,
  head: core.head,
  tail: core.tail,
  grep: core.grep,
  wc: core.wc,
  mkdir: core.mkdir,
  rm: core.rm,
  touch: core.touch,
  nslookup,
  wget,
  tar,
  test: text.test,
  '[': text.test,
  seq: text.seq,
  tee: text.tee,
  sort: text.sort,
  uniq: text.uniq,
  cut: text.cut,
  tr: text.tr,
  basename: text.basename,
  dirname: text.dirname,
});

/** The base set plus curl (curlimages/curl, the playground's own images). */
export const BASE_WITH_CURL: ProgramSet = Object.freeze({ ...BASE_PROGRAMS, curl });
