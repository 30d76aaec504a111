"""Rig kernels checked against scipy/numpy references and hand-computed cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from scipy.spatial.transform import Rotation, Slerp

from vhuman.animation.skinning import (
    blend_morphs,
    dense_weights,
    forward_kinematics,
    joint_levels,
    local_matrices,
    normalized_to_local,
    quat_from_axis_angle,
    quat_multiply,
    quat_normalize,
    quat_slerp,
    quat_to_matrix,
    rest_world_rotations,
    skin,
    vertex_normals,
)

RNG = np.random.default_rng(7)


def _rand_quats(n: int) -> np.ndarray:
    return Rotation.random(n, random_state=3).as_quat().astype(np.float32)  # xyzw


def test_quat_to_matrix_matches_scipy() -> None:
    q = _rand_quats(50)
    got = quat_to_matrix(torch.from_numpy(q)).numpy()
    np.testing.assert_allclose(got, Rotation.from_quat(q).as_matrix(), atol=1e-5)


def test_quat_multiply_composes_like_matrices() -> None:
    a, b = _rand_quats(20), _rand_quats(20)[::-1].copy()
    got = quat_multiply(torch.from_numpy(a), torch.from_numpy(b))
    want = (Rotation.from_quat(a) * Rotation.from_quat(b)).as_matrix()
    np.testing.assert_allclose(quat_to_matrix(got).numpy(), want, atol=1e-5)


def test_quat_normalize_zero_is_identity_and_unit_otherwise() -> None:
    q = torch.tensor([[0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]])
    out = quat_normalize(q)
    assert torch.allclose(out[0], torch.tensor([0.0, 0.0, 0.0, 1.0]))
    assert torch.allclose(out[1], torch.tensor([0.0, 0.0, 1.0, 0.0]))


def test_quat_slerp_matches_scipy_and_takes_short_arc() -> None:
    q = _rand_quats(2)
    times = np.linspace(0, 1, 7, dtype=np.float32)
    want = Slerp([0, 1], Rotation.from_quat(q))(times).as_matrix()
    a = torch.from_numpy(q[0]).expand(7, 4)
    b = torch.from_numpy(-q[1]).expand(7, 4)  # sign flip must not change the path
    got = quat_to_matrix(quat_slerp(a, b, torch.from_numpy(times))).numpy()
    np.testing.assert_allclose(got, want, atol=1e-5)
    same = quat_slerp(a[:1], a[:1], 0.5)  # identical inputs: no division by zero
    assert torch.isfinite(same).all()


def test_axis_angle_quarter_turn_about_z_maps_x_to_y() -> None:
    q = quat_from_axis_angle(torch.tensor([0.0, 0.0, 1.0]), torch.tensor(math.pi / 2))
    v = quat_to_matrix(q) @ torch.tensor([1.0, 0.0, 0.0])
    assert torch.allclose(v, torch.tensor([0.0, 1.0, 0.0]), atol=1e-6)


def test_local_matrices_compose_trs() -> None:
    t = torch.tensor([1.0, 2.0, 3.0])
    r = torch.from_numpy(_rand_quats(1)[0])
    s = torch.tensor([2.0, 3.0, 0.5])
    m = local_matrices(t, r, s).numpy()
    p = np.array([0.3, -0.7, 1.1], np.float32)
    want = Rotation.from_quat(r.numpy()).apply(p * s.numpy()) + t.numpy()
    np.testing.assert_allclose(m[:3, :3] @ p + m[:3, 3], want, atol=1e-5)
    assert m[3].tolist() == [0.0, 0.0, 0.0, 1.0]


def test_forward_kinematics_matches_numpy_loop() -> None:
    parents = [-1, 0, 1, 1, 0, 4, -1, 6]
    t_, j = 3, len(parents)
    local = local_matrices(
        torch.from_numpy(RNG.normal(size=(t_, j, 3)).astype(np.float32)),
        torch.from_numpy(_rand_quats(t_ * j).reshape(t_, j, 4)),
    )
    world = forward_kinematics(parents, local).numpy()
    ref = local.numpy().copy()
    for i, p in enumerate(parents):
        if p >= 0:
            ref[:, i] = ref[:, p] @ local.numpy()[:, i]
    np.testing.assert_allclose(world, ref, atol=1e-4)
    assert [lvl[0] for lvl in joint_levels(parents)] == [[1, 4, 7], [2, 3, 5]]


def test_forward_kinematics_rejects_non_topological_order() -> None:
    with pytest.raises(ValueError, match="parent"):
        forward_kinematics([1, -1], torch.eye(4).expand(1, 2, 4, 4))


def test_normalized_rotation_is_world_aligned_whatever_the_rest_orientation() -> None:
    # chain root -> mid -> tip where mid's rest orientation is twisted 90° about Y and the
    # root is tilted: a normalized +90° about world Z must swing the tip towards -X in
    # world space, as it would on a rig with identity rest rotations.
    parents = [-1, 0, 1]
    rest_t = torch.tensor([[0.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 0.0]])
    rest_r = torch.from_numpy(
        Rotation.from_euler("xyz", [[0, 0, 0], [0, 90, 0], [0, -90, 0]], degrees=True)
        .as_quat()
        .astype(np.float32)
    )
    rest_r[0] = torch.from_numpy(Rotation.from_euler("x", 30, degrees=True).as_quat()).float()
    w_rest = rest_world_rotations(parents, rest_r)
    q = quat_from_axis_angle(torch.tensor([0.0, 0.0, 1.0]), torch.tensor(math.pi / 2))
    local_mid = normalized_to_local(q.reshape(1, 1, 4), [1], w_rest, rest_r, parents)
    rots = rest_r.clone().expand(1, 3, 4).clone()
    rots[:, 1] = local_mid[:, 0]
    world = forward_kinematics(parents, local_matrices(rest_t.expand(1, 3, 3), rots))
    rest_world = forward_kinematics(parents, local_matrices(rest_t[None], rest_r[None]))
    mid, tip = world[0, 1, :3, 3], world[0, 2, :3, 3]
    rest_bone = rest_world[0, 2, :3, 3] - rest_world[0, 1, :3, 3]
    want = quat_to_matrix(q) @ rest_bone  # world-axis rotation of the rest bone vector
    assert torch.allclose(tip - mid, want, atol=1e-5)
    # identity normalized rotation gives back the rest local rotation
    ident = normalized_to_local(torch.tensor([[[0.0, 0, 0, 1]]]), [1], w_rest, rest_r, parents)
    assert torch.allclose(quat_to_matrix(ident[0, 0]), quat_to_matrix(rest_r[1]), atol=1e-6)


def test_blend_morphs_matches_numpy() -> None:
    base = RNG.normal(size=(30, 3)).astype(np.float32)
    deltas = RNG.normal(size=(4, 30, 3)).astype(np.float32)
    w = RNG.uniform(size=(5, 4)).astype(np.float32)
    got = blend_morphs(torch.from_numpy(base), torch.from_numpy(deltas), torch.from_numpy(w))
    want = base[None] + np.einsum("tm,mvc->tvc", w, deltas)
    np.testing.assert_allclose(got.numpy(), want, atol=1e-5)
    empty = blend_morphs(torch.from_numpy(base), torch.zeros(0, 30, 3), torch.zeros(5, 0))
    assert empty.shape == (5, 30, 3) and torch.equal(empty[2], torch.from_numpy(base))


def test_skin_dense_sparse_and_numpy_agree() -> None:
    v, j, t_, k = 40, 6, 3, 4
    pos = RNG.normal(size=(v, 3)).astype(np.float32)
    nrm = RNG.normal(size=(v, 3)).astype(np.float32)
    nrm /= np.linalg.norm(nrm, axis=1, keepdims=True)
    joints = RNG.integers(0, j, size=(v, k))
    weights = RNG.uniform(size=(v, k)).astype(np.float32)
    weights /= weights.sum(1, keepdims=True)
    mats = local_matrices(
        torch.from_numpy(RNG.normal(size=(t_, j, 3)).astype(np.float32)),
        torch.from_numpy(_rand_quats(t_ * j).reshape(t_, j, 4)),
    )
    ref = np.zeros((t_, v, 3), np.float32)
    for f in range(t_):
        for i in range(v):
            m = sum(weights[i, c] * mats[f, joints[i, c]].numpy() for c in range(k))
            ref[f, i] = (m @ np.append(pos[i], 1.0))[:3]
    dense = dense_weights(torch.from_numpy(joints), torch.from_numpy(weights), j)
    got_dense, got_n = skin(torch.from_numpy(pos), dense, mats, torch.from_numpy(nrm))
    got_sparse = skin(
        torch.from_numpy(pos), (torch.from_numpy(joints), torch.from_numpy(weights)), mats
    )
    np.testing.assert_allclose(got_dense.numpy(), ref, atol=1e-4)
    np.testing.assert_allclose(got_sparse.numpy(), ref, atol=1e-4)
    np.testing.assert_allclose(np.linalg.norm(got_n.numpy(), axis=-1), 1.0, atol=1e-5)


def test_skin_rigid_rotation_rotates_normals_exactly() -> None:
    q = quat_from_axis_angle(torch.tensor([0.0, 1.0, 0.0]), torch.tensor(math.pi / 2))
    mats = local_matrices(torch.zeros(1, 1, 3), q.reshape(1, 1, 4))
    pos, n = skin(torch.tensor([[1.0, 0, 0]]), torch.ones(1, 1), mats, torch.tensor([[1.0, 0, 0]]))
    assert torch.allclose(pos[0, 0], torch.tensor([0.0, 0, -1]), atol=1e-6)
    assert torch.allclose(n[0, 0], torch.tensor([0.0, 0, -1]), atol=1e-6)


def test_dense_weights_renormalize_rows() -> None:
    joints = torch.tensor([[0, 1, 0, 0], [2, 2, 0, 0]])
    w = torch.tensor([[0.2, 0.2, 0.0, 0.0], [0.5, 0.5, 0.0, 0.0]])
    d = dense_weights(joints, w, 3)
    assert torch.allclose(d, torch.tensor([[0.5, 0.5, 0.0], [0.0, 0.0, 1.0]]))


def test_vertex_normals_of_a_sphere_point_outwards() -> None:
    import trimesh

    sphere = trimesh.creation.icosphere(subdivisions=2)
    pos = torch.tensor(sphere.vertices, dtype=torch.float32)
    n = vertex_normals(pos, torch.tensor(sphere.faces))
    radial = pos / pos.norm(dim=1, keepdim=True)
    assert (n * radial).sum(dim=1).min() > 0.995  # smooth normals follow the surface
    assert torch.allclose(n.norm(dim=1), torch.ones(len(pos)), atol=1e-5)


def test_vertex_normals_area_weighting_and_welding() -> None:
    # two triangles sharing an edge, one tilted and 4x larger: its normal dominates
    pos = torch.tensor(
        [[0.0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 0], [1, 0, 0], [0, 0, 2.0]]
    )  # vertices 3,4 duplicate 0,1 (a UV seam)
    faces = torch.tensor([[0, 1, 2], [3, 5, 4]])
    plain = vertex_normals(pos, faces)
    assert torch.allclose(plain[0], torch.tensor([0.0, 0, 1]))  # seam: no sharing
    welded = vertex_normals(pos[None], faces, weld=torch.tensor([0, 1, 2, 0, 1, 3]))[0]
    fn = torch.tensor([0.0, 0, 1]) * 1.0 + torch.tensor([0.0, 1, 0]) * 2.0
    assert torch.allclose(welded[0], fn / fn.norm(), atol=1e-6)
    assert torch.allclose(welded[0], welded[3])
