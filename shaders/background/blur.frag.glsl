// Background pass 2 (blur mode), on the effect grid: the lens disc over the reduced frame, each
// pixel weighted by its background weight (alpha), then normalised; alpha out is the person mask.
// The disc comes as rows (background::disc_for): row k (dy = k - u_radius) weighs 16 at
// |dx| <= n and `edge` at |dx| = n + 1 (n = -1: the centre alone, weighing `edge`). Integer sums,
// as BackgroundCpu::blur computes them from prefix sums.
uniform highp sampler2D u_reduced;  // grid: mean RGB, alpha = background weight
uniform highp sampler2D u_mask;     // grid: the feathered person mask (red)
uniform ivec2 u_rows[33];           // (n, edge) per row; background::kDiscRows
uniform int u_radius;
uniform ivec2 u_grid_size;

out vec4 frag_color;

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    ivec4 acc = ivec4(0);
    for (int k = 0; k <= 2 * u_radius; ++k) {
        int sy = clamp(p.y + k - u_radius, 0, u_grid_size.y - 1);
        ivec2 row = u_rows[k];
        for (int dx = -row.x - 1; dx <= row.x + 1; ++dx) {
            int weight = abs(dx) <= row.x ? 16 : row.y;
            if (weight == 0) continue;
            ivec4 t = ivec4(round(texelFetch(u_reduced, ivec2(clamp(p.x + dx, 0, u_grid_size.x - 1), sy), 0) * 255.0));
            acc += weight * ivec4(t.rgb * t.a, t.a);
        }
    }
    ivec3 bg = (acc.rgb + acc.a / 2) / acc.a;
    float m = texelFetch(u_mask, p, 0).r;
    frag_color = vec4(vec3(bg) / 255.0, m);
}
