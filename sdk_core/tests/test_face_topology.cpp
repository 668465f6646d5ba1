// The generated face topology: a consistently wound manifold mesh over all 468 points, a UV layout
// without flipped triangles, and the face oval as its outer boundary.
#include <map>
#include <set>
#include <utility>

#include "check.h"
#include "face/face_topology.h"

using namespace meiyan::face;

namespace {

using Edge = std::pair<int, int>;

// Twice the signed area in UV (v down): negative = counter-clockwise as displayed.
double uv_area(const FaceTopology& t, std::size_t tri) {
    const auto* idx = t.triangles[tri];
    const float* a = t.uv[idx[0]];
    const float* b = t.uv[idx[1]];
    const float* c = t.uv[idx[2]];
    return (static_cast<double>(b[0]) - a[0]) * (static_cast<double>(c[1]) - a[1]) -
           (static_cast<double>(b[1]) - a[1]) * (static_cast<double>(c[0]) - a[0]);
}

std::map<Edge, int> directed_edges(const FaceTopology& t) {
    std::map<Edge, int> use;
    for (std::size_t i = 0; i < t.triangle_count; ++i)
        for (int k = 0; k < 3; ++k) ++use[{t.triangles[i][k], t.triangles[i][(k + 1) % 3]}];
    return use;
}

}  // namespace

TEST_CASE("counts and index ranges") {
    const FaceTopology& t = face_topology();
    CHECK_EQ(t.vertex_count, std::size_t{468});
    CHECK_EQ(t.triangle_count, std::size_t{852});
    CHECK_EQ(t.oval_count, std::size_t{36});
    CHECK(&face_topology() == &t);
    std::set<int> used;
    for (std::size_t i = 0; i < t.triangle_count; ++i) {
        const auto* idx = t.triangles[i];
        CHECK(idx[0] < 468 && idx[1] < 468 && idx[2] < 468);
        CHECK(idx[0] != idx[1] && idx[1] != idx[2] && idx[0] != idx[2]);
        used.insert({idx[0], idx[1], idx[2]});
    }
    CHECK_EQ(used.size(), std::size_t{468});
}

TEST_CASE("manifold with consistent winding; Euler characteristic of a disc with three holes") {
    const FaceTopology& t = face_topology();
    const auto use = directed_edges(t);
    std::set<Edge> undirected;
    int boundary = 0;
    for (const auto& [e, n] : use) {
        CHECK_EQ(n, 1);  // a directed edge twice would be two triangles wound against each other
        undirected.insert({std::min(e.first, e.second), std::max(e.first, e.second)});
        if (!use.count({e.second, e.first})) ++boundary;
    }
    CHECK_EQ(boundary, 88);  // oval 36 + eyes 16 + 16 + inner lips 20
    const long euler = 468L - static_cast<long>(undirected.size()) + static_cast<long>(t.triangle_count);
    CHECK_EQ(euler, -2L);  // 2 - 4 boundary loops
}

TEST_CASE("UV layout: inside [0, 1], no triangle flipped or degenerate") {
    const FaceTopology& t = face_topology();
    for (std::size_t v = 0; v < t.vertex_count; ++v) {
        CHECK(t.uv[v][0] > 0.0f && t.uv[v][0] < 1.0f);
        CHECK(t.uv[v][1] > 0.0f && t.uv[v][1] < 1.0f);
    }
    int flipped = 0;
    for (std::size_t i = 0; i < t.triangle_count; ++i)
        if (!(uv_area(t, i) < -1e-7)) ++flipped;
    CHECK_EQ(flipped, 0);
    // the subject's right eye (33) is left of the left eye (263); forehead (10) above chin (152)
    CHECK(t.uv[33][0] < t.uv[263][0]);
    CHECK(t.uv[10][1] < t.uv[152][1]);
}

TEST_CASE("the oval is the outer boundary, closed, in the triangles' direction") {
    const FaceTopology& t = face_topology();
    const auto use = directed_edges(t);
    CHECK_EQ(static_cast<int>(t.oval[0]), 10);
    std::set<int> seen;
    double area = 0;
    for (std::size_t i = 0; i < t.oval_count; ++i) {
        const int a = t.oval[i], b = t.oval[(i + 1) % t.oval_count];
        seen.insert(a);
        CHECK(use.count({a, b}) == 1 && use.count({b, a}) == 0);
        area += static_cast<double>(t.uv[a][0]) * t.uv[b][1] - static_cast<double>(t.uv[b][0]) * t.uv[a][1];
    }
    CHECK_EQ(seen.size(), t.oval_count);
    CHECK(area < -0.5);  // counter-clockwise as displayed, and covering a good part of the texture
}

TEST_MAIN()
