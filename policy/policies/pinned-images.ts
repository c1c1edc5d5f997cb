/**
 * No untagged or `latest` images: a tag names a release, so a rollout is repeatable and a preview
 * shows an upgrade as a diff. Digests (`@sha256:…`) pass.
 */
import { at, containersOf, podSpecOf, type Resource } from "../kubernetes";
import { resourcePolicy } from "./resource-policy";

/** Why `image` is not pinned, or undefined when it is. */
export function unpinnedReason(image: string): string | undefined {
  if (image.includes("@sha256:")) return undefined;
  const lastSegment = image.slice(image.lastIndexOf("/") + 1);
  const colon = lastSegment.lastIndexOf(":");
  if (colon < 0) return "has no tag (Kubernetes pulls latest)";
  const tag = lastSegment.slice(colon + 1);
  if (tag === "") return "has an empty tag";
  if (tag === "latest") return "uses the latest tag";
  return undefined;
}

export function checkPinnedImages(r: Resource): string[] {
  const images: { where: string; image: unknown }[] = [];
  const spec = podSpecOf(r);
  if (spec) for (const c of containersOf(spec)) images.push({ where: c.where, image: c.container.image });
  // CloudNativePG clusters name their Postgres image directly.
  if (r.type === "kubernetes:postgresql.cnpg.io/v1:Cluster") {
    images.push({ where: "spec.imageName", image: at(r.props, "spec", "imageName") });
  }
  const out: string[] = [];
  for (const { where, image } of images) {
    if (image === undefined) continue; // a CNPG Cluster without imageName uses the operator's pinned default
    if (typeof image !== "string" || image === "") {
      out.push(`${where} has no image`);
      continue;
    }
    const reason = unpinnedReason(image);
    if (reason) out.push(`${where} image "${image}" ${reason}; pin a release tag or a digest`);
  }
  return out;
}

export const pinnedImages = resourcePolicy(
  "pinned-images",
  "Every container image names a tag other than latest, or a digest.",
  checkPinnedImages,
);
