// Beauty passes 2 and 3: one direction of the bilateral filter on the reduced grid (range weight
// on luma). Mirrors bilateral() in sdk_core/src/effects/beauty/beauty_cpu.cpp; the constants are
// those of beauty_params.h.
uniform highp sampler2D u_source;
uniform ivec2 u_direction;
uniform ivec2 u_grid_size;
uniform float u_sigma_range;

out vec4 frag_color;

const int kRadius = 3;
const float kSigmaSpace = 2.0;
const vec3 kLuma = vec3(0.299, 0.587, 0.114);

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    vec3 c = texelFetch(u_source, p, 0).rgb;
    float yc = dot(c, kLuma);
    float inv_2sr2 = 1.0 / (2.0 * u_sigma_range * u_sigma_range);
    vec3 sum = vec3(0.0);
    float wsum = 0.0;
    for (int k = -kRadius; k <= kRadius; ++k) {
        ivec2 q = clamp(p + k * u_direction, ivec2(0), u_grid_size - 1);
        vec3 s = texelFetch(u_source, q, 0).rgb;
        float d = dot(s, kLuma) - yc;
        float w = exp(-float(k * k) / (2.0 * kSigmaSpace * kSigmaSpace)) * exp(-d * d * inv_2sr2);
        sum += w * s;
        wsum += w;
    }
    frag_color = vec4(sum / wsum, 1.0);
}
