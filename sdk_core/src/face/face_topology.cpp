#include "face/face_topology.h"

namespace meiyan::face {
namespace {

#include "face/face_topology.inc"

constexpr std::size_t kFaceVertexCount = sizeof(kFaceUV) / sizeof(kFaceUV[0]);
static_assert(kFaceVertexCount == 468, "the UV layout covers the 468-point mesh");

}  // namespace

const FaceTopology& face_topology() {
    static const FaceTopology topology{kFaceVertexCount, kFaceTriangleCount, kFaceTriangles, kFaceUV,
                                       kFaceOvalCount, kFaceOval};
    return topology;
}

}  // namespace meiyan::face
