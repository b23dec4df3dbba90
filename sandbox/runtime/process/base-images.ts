// The program-only images tutorials start pods from: busybox (CMD sh), alpine (CMD /bin/sh) and
// curlimages/curl (ENTRYPOINT curl). They have no server: their container runs its command as a program.
// Like the real images, busybox and alpine ship no curl (busybox has wget); curlimages/curl does.
import { registerImage } from '../images.js';
import { BASE_PROGRAMS, BASE_WITH_CURL } from './images-bin.js';

const OS_RELEASE_ALPINE = 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.20.3\nPRETTY_NAME="Alpine Linux v3.20"\nHOME_URL="https://alpinelinux.org/"\n';
const PASSWD = 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n';

export function registerBaseImages(): void {
  registerImage('busybox', null, {
    tags: ['latest', 'stable', '1.28', '1.31', '1.34', '1.35', '1.36', '1.36.1', '1.37', '1.37.0', 'musl', 'glibc'],
    tagPattern: /^1\.\d+(\.\d+)?(-(musl|glibc|uclibc))?$/,
    programs: BASE_PROGRAMS,
    cmd: ['sh'],
    files: { '/etc/passwd': PASSWD },
  });
  registerImage('alpine', null, {
    tags: ['latest', '3', '3.18', '3.19', '3.20', '3.21'],
    tagPattern: /^3\.\d+(\.\d+)?$/,
    programs: BASE_PROGRAMS,
    cmd: ['/bin/sh'],
    files: { '/etc/passwd': PASSWD, '/etc/os-release': OS_RELEASE_ALPINE, '/etc/alpine-release': '3.20.3\n' },
  });
  registerImage('curlimages/curl', null, {
    tags: ['latest', '8.5.0', '8.10.1', '8.11.0', '8.11.1', '8.12.1'],
    tagPattern: /^\d+\.\d+\.\d+$/,
    programs: BASE_WITH_CURL,
    entrypoint: ['curl'],
    files: { '/etc/passwd': `${PASSWD}curl_user:x:100:101:Linux User,,,:/home/curl_user:/sbin/nologin\n` },
  });
}
