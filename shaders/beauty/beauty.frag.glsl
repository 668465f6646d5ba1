// Beauty pass 5, full resolution: smoothing, whitening, rosy and sharpening under the face masks.
// Mirrors BeautyCpu::apply in sdk_core/src/effects/beauty/beauty_cpu.cpp term by term; the
// constants are those of beauty_params.h.
uniform highp sampler2D u_image;
uniform highp sampler2D u_smooth;  // reduced grid, bilateral-filtered
uniform highp sampler2D u_mask;    // reduced grid: r = skin, g = face
uniform highp sampler2D u_tone;    // 1x1: the skin tone
uniform int u_factor;
uniform ivec2 u_grid_size;
uniform ivec2 u_image_size;
uniform float u_smoothing;
uniform float u_whitening;
uniform float u_rosy;
uniform float u_sharpen;

out vec4 frag_color;

const vec3 kLuma = vec3(0.299, 0.587, 0.114);
const float kEdgeSigma = 0.15;
const float kSkinChromaSigma = 0.07;
const float kSharpenGain = 1.5;
const float kRosyStrength = 0.6;
const vec3 kRosyTint = vec3(1.0, 0.88, 0.92);

vec2 chroma(vec3 c) {
    return vec2(-0.168736 * c.r - 0.331264 * c.g + 0.5 * c.b, 0.5 * c.r - 0.418688 * c.g - 0.081312 * c.b);
}

vec4 grid_bilinear(highp sampler2D plane, vec2 uv) {
    vec2 f = floor(uv);
    vec2 a = uv - f;
    ivec2 p0 = ivec2(f);
    ivec2 lo = clamp(p0, ivec2(0), u_grid_size - 1);
    ivec2 hi = clamp(p0 + 1, ivec2(0), u_grid_size - 1);
    vec4 p00 = texelFetch(plane, lo, 0);
    vec4 p10 = texelFetch(plane, ivec2(hi.x, lo.y), 0);
    vec4 p01 = texelFetch(plane, ivec2(lo.x, hi.y), 0);
    vec4 p11 = texelFetch(plane, hi, 0);
    vec4 top = p00 + (p10 - p00) * a.x;
    vec4 bottom = p01 + (p11 - p01) * a.x;
    return top + (bottom - top) * a.y;
}

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    vec4 src = texelFetch(u_image, p, 0);
    vec2 uv = (vec2(p) + 0.5) / float(u_factor) - 0.5;
    vec2 m = grid_bilinear(u_mask, uv).rg;
    if (m.r == 0.0 && m.g == 0.0) {
        frag_color = src;
        return;
    }
    vec3 c = src.rgb;
    vec2 dc = chroma(c) - chroma(texelFetch(u_tone, ivec2(0), 0).rgb);
    float skin = m.r * exp(-dot(dc, dc) / (2.0 * kSkinChromaSigma * kSkinChromaSigma));
    vec3 rgb = c;
    if (u_smoothing > 0.0) {
        vec3 s = grid_bilinear(u_smooth, uv).rgb;
        float d = dot(s, kLuma) - dot(c, kLuma);
        float k = u_smoothing * skin * exp(-d * d / (2.0 * kEdgeSigma * kEdgeSigma));
        rgb += (s - rgb) * k;
    }
    if (u_whitening > 0.0) {
        float beta = 1.0 + 6.0 * u_whitening;
        vec3 curved = log(clamp(rgb, 0.0, 1.0) * (beta - 1.0) + 1.0) / log(beta);
        rgb += (curved - rgb) * skin;
    }
    if (u_rosy > 0.0) {
        rgb *= vec3(1.0) + (kRosyTint - vec3(1.0)) * (kRosyStrength * u_rosy * skin);
    }
    if (u_sharpen > 0.0) {
        vec3 mean = vec3(0.0);
        for (int dy = -1; dy <= 1; ++dy) {
            for (int dx = -1; dx <= 1; ++dx) {
                mean += texelFetch(u_image, clamp(p + ivec2(dx, dy), ivec2(0), u_image_size - 1), 0).rgb;
            }
        }
        rgb += (c - mean / 9.0) * (kSharpenGain * u_sharpen * m.g);
    }
    frag_color = vec4(clamp(rgb, 0.0, 1.0), src.a);
}
