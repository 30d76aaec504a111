"""pyrender renderer (OSMesa on CPU, EGL on GPU): the reference PBR backend.

The scene is built once; each frame rewrites every primitive's interleaved vertex buffer
(positions + normals + UVs, pyrender's layout) with ``glBufferSubData`` instead of
re-creating meshes. Key/fill/rim are directional lights, the hemispheric ambient becomes
pyrender's ambient term. Background images are composited on the CPU.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

import numpy as np

from vhuman.avatar.character import Character, Material
from vhuman.avatar.render.base import MeshArray, RendererBase
from vhuman.avatar.render.camera import Camera
from vhuman.avatar.render.lighting import Lighting
from vhuman.avatar.render.platform import choose_platform, configure_pyopengl
from vhuman.models.types import VhumanError

log = logging.getLogger(__name__)


def _import_pyrender(platform: str) -> Any:
    configure_pyopengl(platform)
    if not hasattr(np, "infty"):  # pyrender 0.1.45 still uses np.infty (gone in numpy 2)
        np.infty = np.inf  # type: ignore[attr-defined]
    try:
        import pyrender
    except ImportError as exc:
        raise VhumanError(
            f"pyrender is unavailable ({exc}); install it: pip install 'vhuman[pyrender]' six"
        ) from exc
    return pyrender


def _light_pose(direction: tuple[float, float, float]) -> np.ndarray:
    """A pose whose -Z axis points from the light towards the subject."""
    z = np.asarray(direction, np.float64)
    z /= np.linalg.norm(z)
    x = np.cross([0.0, 1.0, 0.0], z)
    if np.linalg.norm(x) < 1e-6:
        x = np.array([1.0, 0.0, 0.0])
    x /= np.linalg.norm(x)
    pose = np.eye(4)
    pose[:3, 0], pose[:3, 1], pose[:3, 2] = x, np.cross(z, x), z
    return pose


class PyrenderRenderer(RendererBase):
    """pyrender backend of :func:`avatar.render.create_renderer`."""

    backend = "pyrender"

    def __init__(
        self,
        character: Character,
        width: int = 512,
        height: int = 512,
        camera: str | Camera = "portrait",
        background: Any = "#1e2a3a",
        transparent: bool = False,
        platform: str | None = None,
        msaa: int = 0,
        lighting: Lighting | None = None,
    ) -> None:
        super().__init__(character, width, height, camera, background, transparent, lighting)
        self.platform = choose_platform("pyrender", platform)
        pr = _import_pyrender(self.platform)
        self._pr = pr
        lt = self.lighting
        ambient = [0.5 * (a + b) for a, b in zip(lt.sky, lt.ground, strict=True)]
        bg = (
            (0.0, 0.0, 0.0, 0.0)
            if self.transparent or isinstance(self.background, np.ndarray)
            else self.background
        )
        self.scene = pr.Scene(
            bg_color=list(bg[:3]) + [0.0 if self.transparent else 1.0], ambient_light=ambient
        )
        self._prims: list[tuple[Any, np.ndarray]] = []
        for mesh in character.meshes:
            mat = (
                character.materials[mesh.material]
                if 0 <= mesh.material < len(character.materials)
                else Material()
            )
            prim = pr.Primitive(
                positions=mesh.positions,
                normals=mesh.normals,
                texcoord_0=mesh.uvs if mesh.uvs is not None and mat.texture is not None else None,
                indices=np.asarray(mesh.indices, np.int64),
                material=self._material(mat),
            )
            self.scene.add(pr.Mesh([prim]))
            cols = 8 if prim.texcoord_0 is not None else 6
            staging = np.zeros((mesh.num_vertices, cols), np.float32)
            if cols == 8:
                staging[:, 6:] = prim.texcoord_0
            self._prims.append((prim, staging))
        for light in lt.lights:
            # pyrender's PBR shader is brighter per unit intensity than ours: scale to match
            node = pr.DirectionalLight(
                color=light.color, intensity=light.intensity * 2.2 * lt.exposure
            )
            self.scene.add(node, pose=_light_pose(light.direction))
        self._cam_node = self.scene.add(self._pr_camera(), pose=self.camera.pose())
        try:
            self._renderer = pr.OffscreenRenderer(self.width, self.height)
        except Exception as exc:
            raise VhumanError(f"pyrender cannot open a {self.platform} context ({exc})") from exc
        self._uploaded = False
        flags = (
            pr.RenderFlags.RGBA
            if self.transparent or isinstance(self.background, np.ndarray)
            else pr.RenderFlags.NONE
        )
        self._flags = flags
        log.info("pyrender renderer %dx%d on %s", self.width, self.height, self.platform)

    def _material(self, mat: Material) -> Any:
        pr = self._pr
        texture = None
        if mat.texture is not None:
            img = np.ascontiguousarray(mat.texture, np.uint8)
            texture = pr.Texture(
                source=img, source_channels="RGBA" if img.shape[-1] == 4 else "RGB"
            )
        return pr.MetallicRoughnessMaterial(
            baseColorFactor=list(mat.base_color),
            baseColorTexture=texture,
            metallicFactor=float(mat.metallic),
            roughnessFactor=float(mat.roughness),
            emissiveFactor=list(mat.emissive),
            alphaMode=mat.alpha_mode.upper(),
            alphaCutoff=float(mat.alpha_cutoff),
            doubleSided=bool(mat.double_sided),
        )

    def _pr_camera(self) -> Any:
        cam = self.camera
        return self._pr.PerspectiveCamera(
            yfov=cam.yfov, aspectRatio=self.aspect, znear=cam.znear, zfar=cam.zfar
        )

    def set_camera(self, camera: str | Camera, **preset: float) -> None:
        super().set_camera(camera, **preset)
        self._cam_node.camera = self._pr_camera()
        self.scene.set_pose(self._cam_node, self.camera.pose())

    def _update_buffers(self, frame: list[tuple[np.ndarray, np.ndarray]]) -> None:
        from OpenGL import GL

        self._renderer._platform.make_current()
        for (prim, staging), (pos, nrm) in zip(self._prims, frame, strict=True):
            staging[:, :3] = pos
            staging[:, 3:6] = nrm
            GL.glBindBuffer(GL.GL_ARRAY_BUFFER, prim._buffers[0])
            GL.glBufferSubData(GL.GL_ARRAY_BUFFER, 0, staging.nbytes, staging)
        GL.glBindBuffer(GL.GL_ARRAY_BUFFER, 0)

    def render(self, positions: Sequence[MeshArray], normals: Sequence[MeshArray]) -> np.ndarray:
        """Draw one frame; returns (H, W, 3) uint8 RGB, or (H, W, 4) RGBA when transparent."""
        frame = self._check_frame(positions, normals)
        if self._uploaded:
            self._update_buffers(frame)
        else:  # the first render uploads whatever the primitives hold
            for (prim, _), (pos, nrm) in zip(self._prims, frame, strict=True):
                prim.positions, prim.normals = pos, nrm
            self._uploaded = True
        if self._renderer._platform.supports_framebuffers():
            color, _ = self._renderer.render(self.scene, flags=self._flags)
        else:
            color = self._render_default_framebuffer()
        if isinstance(self.background, np.ndarray) and not self.transparent:
            alpha = color[..., 3:4].astype(np.float32) / 255.0
            rgb = color[..., :3] * alpha + self.background * (1.0 - alpha)
            return np.ascontiguousarray(rgb + 0.5, dtype=np.uint8)
        return np.ascontiguousarray(color)

    def _render_default_framebuffer(self) -> np.ndarray:
        """OSMesa path: draw, then read colour (with alpha when needed) ourselves.

        pyrender's own path reads only RGB there and always reads depth too.
        """
        from OpenGL import GL

        offscreen = self._renderer
        offscreen._platform.make_current()
        inner = offscreen._renderer
        inner.viewport_width, inner.viewport_height = self.width, self.height
        inner.render(self.scene, self._flags)
        channels = 4 if self._flags & self._pr.RenderFlags.RGBA else 3
        GL.glBindFramebuffer(GL.GL_READ_FRAMEBUFFER, 0)
        GL.glReadBuffer(GL.GL_FRONT)
        GL.glPixelStorei(GL.GL_PACK_ALIGNMENT, 1)
        fmt = GL.GL_RGBA if channels == 4 else GL.GL_RGB
        raw = GL.glReadPixels(0, 0, self.width, self.height, fmt, GL.GL_UNSIGNED_BYTE)
        offscreen._platform.make_uncurrent()
        return np.frombuffer(raw, np.uint8).reshape(self.height, self.width, channels)[::-1]

    def close(self) -> None:
        """Release the offscreen context (idempotent)."""
        if not self._closed:
            try:
                self._renderer.delete()
            except Exception as exc:  # pyrender's EGL teardown terminates the shared display
                log.warning("pyrender context release failed (%s); ignored", exc)
        super().close()
