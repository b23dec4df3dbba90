// The kubelet's image pull for one container, as its events and waiting reasons tell it: Pulling/Pulled (or
// "already present on machine" under IfNotPresent), and for an image the node cannot get ErrImagePull, then
// ImagePullBackOff until the next try (pkg/kubelet/images/image_manager.go). When to retry is the runner's call.
import { pullFailureReason, resolveImage, type ResolvedImage } from '../images.js';
import type { ContainerRun } from './container-run.js';
import type { KubeletEvents } from './kubelet-events.js';

export class ImagePuller {
  constructor(
    private readonly events: KubeletEvents,
    /** Images already "pulled" on the node (IfNotPresent then skips pulling, as on a real node). */
    private readonly pulledImages: Set<string>,
  ) {}

  /** The container's image, pulled; undefined (ErrImagePull recorded) when the node cannot get it. */
  pull(run: ContainerRun): ResolvedImage | undefined {
    const image = resolveImage(run.spec.image ?? '');
    if (!image) {
      this.failed(run);
      return undefined;
    }
    const policy = run.spec.imagePullPolicy ?? (image.tag === 'latest' ? 'Always' : 'IfNotPresent');
    if (policy !== 'Always' && this.pulledImages.has(image.reference)) {
      this.events.normal(run, 'Pulled', `Container image "${run.spec.image}" already present on machine`);
      return image;
    }
    this.events.normal(run, 'Pulling', `Pulling image "${run.spec.image}"`);
    this.events.normal(run, 'Pulled', `Successfully pulled image "${run.spec.image}" in 0s (0s including waiting). Image size: 0 bytes.`);
    this.pulledImages.add(image.reference);
    return image;
  }

  /** The back-off after a failed pull has begun: ImagePullBackOff. */
  backOff(run: ContainerRun): void {
    const image = run.spec.image ?? '';
    run.lifecycle.wait('ImagePullBackOff', `Back-off pulling image "${image}"`);
    this.events.normal(run, 'BackOff', `Back-off pulling image "${image}"`);
    this.events.warning(run, 'Failed', 'Error: ImagePullBackOff');
  }

  private failed(run: ContainerRun): void {
    const image = run.spec.image ?? '';
    const reason = pullFailureReason(image);
    this.events.normal(run, 'Pulling', `Pulling image "${image}"`);
    this.events.warning(run, 'Failed', `Failed to pull image "${image}": ${reason}`);
    this.events.warning(run, 'Failed', 'Error: ErrImagePull');
    run.lifecycle.wait('ErrImagePull', `Failed to pull image "${image}": ${reason}`);
  }
}
