import numpy as np
import pytest

from vhuman.animation import quat as Q
from vhuman.animation.reference import REFERENCE as R
from vhuman.animation.reference import foot_slide, mirror_quat

B = R.bones


def pose(**euler):
    rot = Q.identity(1, len(B))
    for bone, e in euler.items():
        rot[0, B.index(bone)] = Q.from_euler(np.array(e, float))
    return rot


def test_euler_roundtrip_and_matrix_roundtrip():
    e = np.array([[10.0, -35.0, 60.0], [-80.0, 120.0, -20.0]])
    assert np.allclose(Q.to_euler(Q.from_euler(e)), e, atol=1e-4)
    q = Q.from_euler(e)
    assert np.allclose(np.abs(np.sum(Q.from_matrix(Q.to_matrix(q)) * q, -1)), 1.0, atol=1e-5)


def test_rest_pose_is_a_17m_t_pose_facing_plus_z():
    rest = R.rest_positions
    assert 1.6 < rest[B.index("head"), 1] + 0.2 < 1.8
    assert rest[B.index("leftHand"), 0] > 0.6 and rest[B.index("rightHand"), 0] < -0.6  # left is +X
    assert rest[B.index("leftToes"), 2] > rest[B.index("leftFoot"), 2]  # toes point to +Z


def test_sign_conventions_for_arms_head_and_legs():
    # lowering the left arm from T-pose is a rotation about +Z by about -70 degrees
    pos, _ = R.forward(pose(leftUpperArm=(0, 0, -70), rightUpperArm=(0, 0, 70)))
    assert pos[0, B.index("leftHand"), 1] < pos[0, B.index("leftUpperArm"), 1] - 0.4
    assert pos[0, B.index("rightHand"), 1] < pos[0, B.index("rightUpperArm"), 1] - 0.4
    # negative Y swings the left arm forward; positive X nods the head forward
    pos, _ = R.forward(pose(leftUpperArm=(0, -60, 0), head=(30, 0, 0)))
    assert pos[0, B.index("leftHand"), 2] > 0.3
    pos_eye, _ = R.forward(pose(head=(30, 0, 0)))
    assert pos_eye[0, B.index("leftEye"), 2] > R.rest_positions[B.index("leftEye"), 2]
    # knee flexion is positive X on the lower leg and moves the foot backwards
    pos, _ = R.forward(pose(leftLowerLeg=(60, 0, 0)))
    assert pos[0, B.index("leftFoot"), 2] < -0.2
    assert R.limit_violations(pose(leftLowerLeg=(60, 0, 0)), B) == {}
    assert "leftLowerLeg" in R.limit_violations(pose(leftLowerLeg=(-40, 0, 0)), B)


def test_mirroring_a_left_pose_gives_the_right_pose():
    q = Q.from_euler(np.array([0.0, -30.0, -60.0]))
    left, _ = R.forward(pose(leftUpperArm=(0, -30, -60)))
    rot = Q.identity(1, len(B))
    rot[0, B.index("rightUpperArm")] = mirror_quat(q)
    right, _ = R.forward(rot)
    a, b = left[0, B.index("leftHand")], right[0, B.index("rightHand")]
    assert np.allclose(a * [-1, 1, 1], b, atol=1e-6)


def test_leg_ik_plants_the_ankle_on_target_with_the_knee_forward():
    t = 5
    hips = R.rest_positions[0] + np.stack(
        [np.linspace(-0.05, 0.05, t), np.full(t, -0.06), np.zeros(t)], -1
    )
    hips_rot = Q.axis_angle((0, 1, 0), np.linspace(0, 0.5, t))
    target = np.tile([0.1, 0.08, 0.05], (t, 1))
    up, lo, ft = R.leg_ik("left", hips, hips_rot, target)
    rot = Q.identity(t, len(B))
    rot[:, 0] = hips_rot
    (
        rot[:, B.index("leftUpperLeg")],
        rot[:, B.index("leftLowerLeg")],
        rot[:, B.index("leftFoot")],
    ) = up, lo, ft
    pos, world = R.forward(rot, hips - R.rest_positions[0])
    assert np.allclose(pos[:, B.index("leftFoot")], target, atol=1e-4)
    assert np.all(pos[:, B.index("leftLowerLeg"), 2] > 0.0)  # knee ahead of the ankle line
    foot_up = Q.rotate(world[:, B.index("leftFoot")], np.array([0.0, 1.0, 0.0]))
    assert np.allclose(foot_up, [0, 1, 0], atol=1e-4)  # the foot stays level
    assert R.limit_violations(rot, B) == {}


def test_foot_slide_measures_horizontal_speed_of_planted_feet():
    t = 30
    pos = np.repeat(R.rest_positions[None], t, axis=0)
    assert foot_slide(pos, 30)["mean_cm_s"] == pytest.approx(0.0)
    pos[:, B.index("leftFoot"), 0] += np.linspace(0, 0.1, t)  # 10 cm in 1 s while on the floor
    assert foot_slide(pos, 30)["mean_cm_s"] == pytest.approx(5.0, rel=0.05)
