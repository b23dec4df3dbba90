// Registers the `nginx` image (Docker Hub's official nginx, any 1.x / alpine / stable / mainline tag): no
// server of its own; its CMD `nginx -g 'daemon off;'` runs the nginx program (nginx.ts) on its $PATH, which
// serves /etc/nginx/nginx.conf. The alpine variants carry busybox and curl, as upstream's do.
import { registerImage } from '../../runtime/images.js';
import { BASE_WITH_CURL } from '../../runtime/process/images-bin.js';
import { DEFAULT_NGINX_CONF, NGINX_CONF, nginxProgram } from './nginx.js';

export function registerNginxImage(): void {
  registerImage('nginx', null, {
    tags: ['latest', 'alpine', 'stable', 'mainline', 'stable-alpine', 'mainline-alpine', '1.27.3', '1.27.3-alpine'],
    tagPattern: /^1\.\d+(\.\d+)?(-alpine)?$/,
    programs: { ...BASE_WITH_CURL, nginx: nginxProgram },
    cmd: ['nginx', '-g', 'daemon off;'],
    files: { [NGINX_CONF]: DEFAULT_NGINX_CONF },
  });
}
