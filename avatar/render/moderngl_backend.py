"""Headless moderngl renderer (EGL): the fast path for live output on CPU and GPU.

All meshes share ONE dynamic interleaved position+normal vertex buffer (and one static UV
buffer), rewritten with a single ``buffer.write`` per frame from a preallocated staging
array; each mesh keeps its own index buffer (global vertex indices) and material. A soft
three-point toon-ish shader with hemispheric ambient, ACES-style tonemapping and sRGB
output; OPAQUE, MASK and BLEND materials (blend drawn back to front after opaque, depth
writes off); double-sided materials; optional MSAA. The projection is flipped vertically
so ``read_into`` yields top-down rows straight into the output array - no extra flip or
copy on readback, no PBO, and no ``ctx.finish()``: the readback itself waits for the
frame. :meth:`ModernGLRenderer.render_packed` takes the rig's packed (V, 3) buffers as is
(``avatar.rig.Rig.evaluate_packed``) and can read back into a caller's array.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from vhuman.avatar.character import Character, Material
from vhuman.avatar.materials import uv_matrix
from vhuman.avatar.render.base import MeshArray, RendererBase, unpremultiply
from vhuman.avatar.render.camera import Camera
from vhuman.avatar.render.lighting import Lighting
from vhuman.avatar.render.platform import choose_platform
from vhuman.models.types import InputError, VhumanError

log = logging.getLogger(__name__)

_FLIP = np.diag([1.0, -1.0, 1.0, 1.0])  # top-down rows on readback

_VERTEX = """
#version 330
uniform mat4 u_mvp;
uniform mat3 u_uv;             // texture transform (and MToon UV animation)
uniform float u_outline;       // > 0: draw the outline hull, pushed out this far (metres)
in vec3 in_pos;
in vec3 in_normal;
in vec2 in_uv;
out vec3 v_pos;
out vec3 v_normal;
out vec2 v_uv;
void main() {
    vec3 p = in_pos + normalize(in_normal + vec3(1e-6)) * u_outline;
    v_pos = p;
    v_normal = in_normal;
    v_uv = (u_uv * vec3(in_uv, 1.0)).xy;
    gl_Position = u_mvp * vec4(p, 1.0);
}
"""

_FRAGMENT = """
#version 330
uniform vec4 u_base_color;
uniform bool u_has_texture;
uniform sampler2D u_texture;
uniform int u_alpha_mode;      // 0 opaque, 1 mask, 2 blend
uniform float u_alpha_cutoff;
uniform vec3 u_emissive;
uniform float u_roughness;
uniform vec3 u_cam_pos;
uniform vec3 u_key_dir, u_key_col, u_fill_dir, u_fill_col, u_rim_dir, u_rim_col;
uniform vec3 u_sky, u_ground;
uniform float u_exposure, u_toon;
uniform bool u_unlit;
uniform bool u_mtoon;
uniform vec3 u_shade_color, u_rim_color, u_outline_color;
uniform float u_shade_shift, u_shade_toony, u_rim_power, u_rim_lift, u_outline;
in vec3 v_pos;
in vec3 v_normal;
in vec2 v_uv;
out vec4 f_color;

vec3 aces(vec3 x) {
    return clamp((x * (2.51 * x + 0.03)) / (x * (2.43 * x + 0.59) + 0.14), 0.0, 1.0);
}

void main() {
    vec4 albedo = u_base_color;
    if (u_has_texture) {
        vec4 t = texture(u_texture, v_uv);
        albedo *= vec4(pow(t.rgb, vec3(2.2)), t.a);
    }
    if (u_alpha_mode == 1 && albedo.a < u_alpha_cutoff) discard;
    if (u_outline > 0.0) {  // the outline hull: flat colour, lit by the ambient only
        f_color = vec4(pow(u_outline_color, vec3(1.0 / 2.2)), 1.0);
        return;
    }
    if (u_unlit && !u_mtoon) {
        f_color = vec4(pow(clamp(albedo.rgb + u_emissive, 0.0, 1.0), vec3(1.0 / 2.2)),
                       u_alpha_mode == 2 ? albedo.a : 1.0);
        return;
    }
    vec3 n = normalize(v_normal);
    if (!gl_FrontFacing) n = -n;
    vec3 v = normalize(u_cam_pos - v_pos);
    float key = max(dot(n, u_key_dir), 0.0);
    key = mix(key, smoothstep(0.02, 0.3, key) * 0.85 + 0.15 * key, u_toon);
    float fill = max((dot(n, u_fill_dir) + 0.35) / 1.35, 0.0);
    vec3 hemi = mix(u_ground, u_sky, 0.5 + 0.5 * n.y);
    float facing = max(dot(n, v), 0.0);
    vec3 rim = u_rim_col * pow(1.0 - facing, 3.0) * (0.4 + 0.6 * max(dot(n, u_rim_dir), 0.0));
    vec3 h = normalize(u_key_dir + v);
    float gloss = mix(64.0, 6.0, u_roughness);
    float spec = pow(max(dot(n, h), 0.0), gloss) * (1.0 - u_roughness) * 0.35 * step(0.0, dot(n, u_key_dir));
    vec3 color;
    if (u_mtoon) {  // MToon: shade colour below a soft threshold, parametric rim
        float ndl = dot(n, u_key_dir) + u_shade_shift;
        float lit = smoothstep(-1.0 + u_shade_toony, 1.0 - u_shade_toony + 1e-4, ndl);
        vec3 shade = u_shade_color * albedo.rgb;
        vec3 light = hemi + u_key_col + 0.5 * u_fill_col;
        vec3 prim = pow(clamp(1.0 - facing + u_rim_lift, 0.0, 1.0), max(u_rim_power, 1e-3)) * u_rim_color;
        color = mix(shade, albedo.rgb, lit) * light * 0.8 + prim + u_emissive;
    } else {
        color = albedo.rgb * (hemi + key * u_key_col + fill * u_fill_col) + rim + spec * u_key_col + u_emissive;
    }
    color = pow(aces(color * u_exposure * 0.5), vec3(1.0 / 2.2));
    f_color = vec4(color, u_alpha_mode == 2 ? albedo.a : 1.0);
}
"""

_BG_VERTEX = """
#version 330
in vec2 in_pos;
out vec2 v_uv;
void main() {
    v_uv = vec2(0.5 + 0.5 * in_pos.x, 0.5 - 0.5 * in_pos.y);
    gl_Position = vec4(in_pos.x, -in_pos.y, 0.0, 1.0);
}
"""

_BG_FRAGMENT = """
#version 330
uniform sampler2D u_image;
in vec2 v_uv;
out vec4 f_color;
void main() { f_color = vec4(texture(u_image, v_uv).rgb, 1.0); }
"""

_ALPHA_MODES = {"OPAQUE": 0, "MASK": 1, "BLEND": 2}
_MATERIAL_UNIFORMS = (
    "u_base_color",
    "u_alpha_mode",
    "u_alpha_cutoff",
    "u_emissive",
    "u_roughness",
    "u_has_texture",
    "u_unlit",
    "u_mtoon",
    "u_shade_color",
    "u_shade_shift",
    "u_shade_toony",
    "u_rim_color",
    "u_rim_power",
    "u_rim_lift",
    "u_outline_color",
)


def _toon_uniforms(material: Material) -> tuple[tuple[str, Any], ...]:
    toon = material.toon
    if toon is None:
        return (("u_mtoon", False),)
    return (
        ("u_mtoon", True),
        ("u_shade_color", tuple(toon.shade_color)),
        ("u_shade_shift", float(toon.shading_shift)),
        ("u_shade_toony", float(np.clip(toon.shading_toony, 0.0, 1.0))),
        ("u_rim_color", tuple(toon.rim_color)),
        ("u_rim_power", float(toon.rim_power)),
        ("u_rim_lift", float(toon.rim_lift)),
        ("u_outline_color", tuple(toon.outline_color)),
    )


@dataclass
class _GLMesh:
    vao: Any
    first: int  # first vertex in the shared buffer
    count: int  # its vertices
    material: Material
    index: int  # the material's index in the character (-1: default material)
    texture: Any | None
    blend: bool
    uniforms: tuple[tuple[str, Any], ...]  # material uniform values, set per draw


def _egl_context() -> Any:
    import moderngl

    from .platform import egl_device_index

    device = egl_device_index()
    try:
        if device is not None:  # the GPU this process' CUDA work runs on
            return moderngl.create_context(standalone=True, backend="egl",  # type: ignore[arg-type]
                                           device_index=device)  # type: ignore[arg-type]
        return moderngl.create_context(standalone=True, backend="egl")  # type: ignore[arg-type]
    except Exception as exc:  # the driver error text is the useful part
        raise VhumanError(
            f"cannot create a headless EGL context for moderngl ({exc}); install Mesa EGL "
            "(libegl1, libegl-mesa0) or use backend='pyrender' with platform='osmesa'"
        ) from exc


def _uv_uniform(transform: tuple[float, ...], material: Material, clock: float) -> bytes:
    """Column-major 3x3 UV matrix: the texture transform, then MToon's UV animation."""
    m = uv_matrix(tuple(transform))
    toon = material.toon
    if toon is not None and (toon.uv_scroll != (0.0, 0.0) or toon.uv_rotation):
        a = toon.uv_rotation * clock  # radians, about the texture centre (as three-vrm)
        c, s = np.cos(a), np.sin(a)
        rot = np.array([[c, -s, 0.5 - 0.5 * c + 0.5 * s], [s, c, 0.5 - 0.5 * s - 0.5 * c],
                        [0.0, 0.0, 1.0]])
        scroll = np.array([[1.0, 0.0, toon.uv_scroll[0] * clock],
                           [0.0, 1.0, toon.uv_scroll[1] * clock], [0.0, 0.0, 1.0]])
        m = scroll @ rot @ m
    return m.T.astype(np.float32).tobytes()


class ModernGLRenderer(RendererBase):
    """moderngl/EGL backend of :func:`avatar.render.create_renderer`."""

    backend = "moderngl"

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
        self.platform = choose_platform("moderngl", platform)
        import moderngl

        self._mgl = moderngl
        self.ctx = _egl_context()
        samples = min(int(msaa), self.ctx.max_samples) if msaa and msaa > 1 else 0
        self.msaa = samples
        size = (self.width, self.height)
        self._fbo = self.ctx.framebuffer(
            color_attachments=[self.ctx.renderbuffer(size, 4)],
            depth_attachment=self.ctx.depth_renderbuffer(size),
        )
        self._msaa_fbo = None
        if samples:
            self._msaa_fbo = self.ctx.framebuffer(
                color_attachments=[self.ctx.renderbuffer(size, 4, samples=samples)],
                depth_attachment=self.ctx.depth_renderbuffer(size, samples=samples),
            )
        self._prog = self.ctx.program(vertex_shader=_VERTEX, fragment_shader=_FRAGMENT)
        self._offsets = np.cumsum([0] + self._sizes).tolist()
        total = self._offsets[-1]
        self._staging = np.zeros((total, 6), np.float32)  # position + normal, per frame
        for mesh, first in zip(character.meshes, self._offsets, strict=False):
            self._staging[first : first + mesh.num_vertices, :3] = mesh.positions
            self._staging[first : first + mesh.num_vertices, 3:] = mesh.normals
        self._vbo = self.ctx.buffer(self._staging.tobytes(), dynamic=True)
        uvs = [
            m.uvs if m.uvs is not None else np.zeros((m.num_vertices, 2), np.float32)
            for m in character.meshes
        ]
        self._uv_buf = self.ctx.buffer(np.ascontiguousarray(np.concatenate(uvs), np.float32))
        self._uniform_cache = {name: self._prog[name] for name in _MATERIAL_UNIFORMS}
        self._meshes = [
            self._upload(i, m, first)
            for i, (m, first) in enumerate(zip(character.meshes, self._offsets, strict=False))
        ]
        self._bg_prog: Any = None
        self._bg_vao: Any = None
        self._bg_tex: Any = None
        self._bg_tex_source: np.ndarray | None = None
        self._set_lighting_uniforms()
        log.info(
            "moderngl renderer %dx%d on %s (msaa %d)",
            self.width,
            self.height,
            self.ctx.info["GL_RENDERER"],
            samples,
        )

    # -- setup ---------------------------------------------------------------------------
    def _texture(self, image: np.ndarray) -> Any:
        img = np.ascontiguousarray(image, dtype=np.uint8)
        if img.ndim == 2:
            img = np.repeat(img[..., None], 3, axis=2)
        tex = self.ctx.texture((img.shape[1], img.shape[0]), img.shape[2], img.tobytes())
        tex.build_mipmaps()
        tex.filter = (self._mgl.LINEAR_MIPMAP_LINEAR, self._mgl.LINEAR)
        tex.repeat_x = tex.repeat_y = True
        return tex

    def _upload(self, idx: int, mesh: Any, first: int) -> _GLMesh:
        ctx = self.ctx
        material = (
            self.character.materials[mesh.material]
            if 0 <= mesh.material < len(self.character.materials)
            else Material()
        )
        indices = np.ascontiguousarray(mesh.indices, np.uint32) + np.uint32(first)
        vao = ctx.vertex_array(
            self._prog,
            [(self._vbo, "3f 3f", "in_pos", "in_normal"), (self._uv_buf, "2f", "in_uv")],
            index_buffer=ctx.buffer(indices.tobytes()),
            index_element_size=4,
        )
        texture = (
            self._texture(material.texture)
            if material.texture is not None and mesh.uvs is not None
            else None
        )
        uniforms = (
            ("u_base_color", tuple(material.base_color)),
            ("u_alpha_mode", _ALPHA_MODES.get(material.alpha_mode.upper(), 0)),
            ("u_alpha_cutoff", float(material.alpha_cutoff)),
            ("u_emissive", tuple(material.emissive)),
            ("u_roughness", float(np.clip(material.roughness, 0.0, 1.0))),
            ("u_has_texture", texture is not None),
            ("u_unlit", bool(material.unlit)),
            *_toon_uniforms(material),
        )
        log.debug("mesh %d %r uploaded: %d vertices", idx, mesh.name, mesh.num_vertices)
        blend = material.alpha_mode.upper() == "BLEND"
        index = mesh.material if 0 <= mesh.material < len(self.character.materials) else -1
        return _GLMesh(vao, first, mesh.num_vertices, material, index, texture, blend, uniforms)

    def _set_lighting_uniforms(self) -> None:
        lt = self.lighting
        names = (("u_key", lt.key), ("u_fill", lt.fill), ("u_rim", lt.rim))
        for prefix, light in names:
            self._prog[f"{prefix}_dir"].value = light.direction
            self._prog[f"{prefix}_col"].value = light.radiance
        self._prog["u_sky"].value = lt.sky
        self._prog["u_ground"].value = lt.ground
        self._prog["u_exposure"].value = lt.exposure
        self._prog["u_toon"].value = lt.toon

    def _draw_background(self, image: np.ndarray) -> None:
        if self._bg_prog is None:
            self._bg_prog = self.ctx.program(vertex_shader=_BG_VERTEX, fragment_shader=_BG_FRAGMENT)
            quad = np.array([-1, -1, 1, -1, -1, 1, 1, 1], np.float32)
            self._bg_vao = self.ctx.vertex_array(
                self._bg_prog, [(self.ctx.buffer(quad.tobytes()), "2f", "in_pos")]
            )
        if self._bg_tex is None or self._bg_tex_source is not image:
            self._bg_tex = self.ctx.texture(
                (image.shape[1], image.shape[0]), 3, np.ascontiguousarray(image).tobytes()
            )
            self._bg_tex_source = image
        self.ctx.disable(self._mgl.DEPTH_TEST | self._mgl.CULL_FACE)
        self.ctx.depth_mask = False
        self._bg_tex.use(0)
        self._bg_prog["u_image"].value = 0
        self._bg_vao.render(self._mgl.TRIANGLE_STRIP)
        self.ctx.depth_mask = True

    # -- frame ---------------------------------------------------------------------------
    def render(self, positions: Sequence[MeshArray], normals: Sequence[MeshArray]) -> np.ndarray:
        """Draw one frame; returns (H, W, 3) uint8 RGB, or (H, W, 4) straight-alpha RGBA."""
        frame = self._check_frame(positions, normals)
        for first, (pos, nrm) in zip(self._offsets, frame, strict=False):
            self._staging[first : first + len(pos), :3] = pos
            self._staging[first : first + len(pos), 3:] = nrm
        return self._draw_frame(None)

    def render_packed(
        self, positions: MeshArray, normals: MeshArray, out: np.ndarray | None = None
    ) -> np.ndarray:
        """Draw one frame from all meshes' vertices in one (V_all, 3) array each (mesh
        order, as ``Rig.evaluate_packed`` returns one frame of them). ``out``: an optional
        (H, W, 3|4) uint8 C-contiguous array to read the image into (returned)."""
        pos, nrm = self._check_packed(positions, normals)
        self._staging[:, :3] = pos
        self._staging[:, 3:] = nrm
        if out is not None:
            want = (self.height, self.width, 4 if self.transparent else 3)
            if out.shape != want or out.dtype != np.uint8 or not out.flags.c_contiguous:
                raise InputError(
                    f"out must be a C-contiguous uint8 array of shape {want}, "
                    f"got {out.dtype} {out.shape}"
                )
        return self._draw_frame(out)

    def _draw_frame(self, out: np.ndarray | None) -> np.ndarray:
        mgl, ctx = self._mgl, self.ctx
        self._vbo.write(self._staging)  # the one upload of the frame
        target = self._msaa_fbo or self._fbo
        target.use()
        if self.transparent:
            ctx.clear(0.0, 0.0, 0.0, 0.0, depth=1.0)
        elif isinstance(self.background, np.ndarray):
            ctx.clear(0.0, 0.0, 0.0, 1.0, depth=1.0)
            self._draw_background(self.background)
        else:
            ctx.clear(*self.background[:3], 1.0, depth=1.0)

        view = self.camera.view_matrix()
        mvp = _FLIP @ self.camera.projection(self.aspect) @ view
        self._prog["u_mvp"].write(mvp.T.astype(np.float32).tobytes())
        self._prog["u_cam_pos"].value = tuple(self.camera.eye)
        ctx.front_face = "cw"  # the flip mirrors the winding
        ctx.enable(mgl.DEPTH_TEST)

        blended = []
        for mesh in self._meshes:
            if mesh.blend:
                centre = self._staging[mesh.first : mesh.first + mesh.count, :3].mean(axis=0)
                blended.append((float(view[2, :3] @ centre + view[2, 3]), mesh))
            else:
                self._draw(mesh)
        if blended:
            ctx.enable(mgl.BLEND)
            ctx.blend_func = (
                mgl.SRC_ALPHA,
                mgl.ONE_MINUS_SRC_ALPHA,
                mgl.ONE,
                mgl.ONE_MINUS_SRC_ALPHA,
            )
            ctx.depth_mask = False
            for _, mesh in sorted(blended, key=lambda item: item[0]):  # farthest first
                self._draw(mesh)
            ctx.depth_mask = True
            ctx.disable(mgl.BLEND)

        if self._msaa_fbo is not None:
            ctx.copy_framebuffer(self._fbo, self._msaa_fbo)
        channels = 4 if self.transparent else 3
        if out is None:
            out = np.empty((self.height, self.width, channels), np.uint8)
        self._fbo.read_into(out, components=channels, alignment=1)  # waits for the frame
        return unpremultiply(out) if self.transparent else out

    def _draw(self, mesh: _GLMesh) -> None:
        for name, value in mesh.uniforms:
            self._uniform_cache[name].value = value
        material = mesh.material
        transform = material.uv_transform
        frame = self.material_frame
        if frame is not None and 0 <= mesh.index < frame.colors.shape[1]:
            self._uniform_cache["u_base_color"].value = tuple(frame.colors[0, mesh.index].tolist())
            self._uniform_cache["u_emissive"].value = tuple(frame.emissive[0, mesh.index].tolist())
            transform = (*frame.uv[0, mesh.index].tolist(), transform[4])
        self._prog["u_uv"].write(_uv_uniform(transform, material, self.clock))
        if mesh.texture is not None:
            mesh.texture.use(0)
            self._prog["u_texture"].value = 0
        toon = material.toon
        if toon is not None and toon.outline_width > 0:  # inverted hull behind the surface
            self.ctx.enable(self._mgl.CULL_FACE)
            self.ctx.cull_face = "front"
            self._prog["u_outline"].value = float(toon.outline_width)
            mesh.vao.render(self._mgl.TRIANGLES)
            self._prog["u_outline"].value = 0.0
            self.ctx.cull_face = "back"
        if material.double_sided:
            self.ctx.disable(self._mgl.CULL_FACE)
        else:
            self.ctx.enable(self._mgl.CULL_FACE)
        mesh.vao.render(self._mgl.TRIANGLES)

    def close(self) -> None:
        """Release the GL context and its buffers (idempotent)."""
        if not self._closed:
            self.ctx.release()
        super().close()
