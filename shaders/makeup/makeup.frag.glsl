// Makeup: contour, highlight, blush, eyeshadow, eyeliner, lashes, brow tint, lipstick (with gloss) and
// contact lenses blended under their masks, in that order. Mirrors makeup_cpu() in
// sdk_core/src/effects/makeup/makeup_cpu.cpp term by term, then contacts_cpu() (contacts.cpp).
uniform highp sampler2D u_image;
uniform highp sampler2D u_mask;     // makeup grid: r = lips, g = blush, b = brows (procedural)
uniform highp sampler2D u_painted;  // makeup grid: r = eyeshadow, g = contour, b = highlight (UV masks)
uniform highp sampler2D u_fine;     // frame size: r = eyeliner, g = lashes (UV masks)
uniform highp sampler2D u_contacts_mask;  // full resolution over a frame box: r = contact lenses coverage
uniform ivec2 u_contacts_origin;
uniform ivec2 u_contacts_size;  // 0 x 0: no contact lenses
uniform vec4 u_contacts;
uniform int u_blend_contacts;
uniform int u_painted_on;
uniform int u_fine_on;
uniform int u_factor;
uniform ivec2 u_grid_size;
uniform vec4 u_lips;    // rgb colour, a intensity
uniform vec4 u_blush;
uniform vec4 u_brows;
uniform vec4 u_eyeshadow;
uniform vec4 u_eyeliner;
uniform vec4 u_lashes;
uniform vec4 u_contour;
uniform vec4 u_highlight;
// 0 normal, 1 multiply, 2 soft light, 3 overlay, 4 screen
uniform ivec4 u_blend;    // lips, blush, brows, eyeshadow
uniform ivec4 u_blend_b;  // eyeliner, lashes, contour, highlight
uniform float u_gloss;

out vec4 frag_color;

const float kGlossStrength = 0.35;
const float kGlossLow = 0.45;
const float kGlossHigh = 0.9;

vec3 blend(vec3 b, vec3 c, int mode) {
    if (mode == 1) return b * c;
    if (mode == 2) return (vec3(1.0) - 2.0 * c) * b * b + 2.0 * c * b;
    if (mode == 3) {
        vec3 low = 2.0 * b * c;
        vec3 high = vec3(1.0) - 2.0 * (vec3(1.0) - b) * (vec3(1.0) - c);
        return vec3(b.r < 0.5 ? low.r : high.r, b.g < 0.5 ? low.g : high.g, b.b < 0.5 ? low.b : high.b);
    }
    if (mode == 4) return vec3(1.0) - (vec3(1.0) - b) * (vec3(1.0) - c);
    return c;
}

vec3 layer(vec3 rgb, vec4 params, int mode, float mask) {
    float k = params.a * mask;
    if (k <= 0.0) return rgb;
    return rgb + (blend(rgb, params.rgb, mode) - rgb) * k;
}

// Bilinear between grid pixel centres, from four exact texel fetches (as the CPU reads the grid).
vec3 grid_sample(highp sampler2D grid, ivec2 lo, ivec2 hi, vec2 a) {
    vec3 p00 = texelFetch(grid, lo, 0).rgb;
    vec3 p10 = texelFetch(grid, ivec2(hi.x, lo.y), 0).rgb;
    vec3 p01 = texelFetch(grid, ivec2(lo.x, hi.y), 0).rgb;
    vec3 p11 = texelFetch(grid, hi, 0).rgb;
    vec3 top = p00 + (p10 - p00) * a.x;
    vec3 bottom = p01 + (p11 - p01) * a.x;
    return top + (bottom - top) * a.y;
}

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    vec4 src = texelFetch(u_image, p, 0);
    vec2 uv = (vec2(p) + 0.5) / float(u_factor) - 0.5;
    vec2 f = floor(uv);
    vec2 a = uv - f;
    ivec2 lo = clamp(ivec2(f), ivec2(0), u_grid_size - 1);
    ivec2 hi = clamp(ivec2(f) + 1, ivec2(0), u_grid_size - 1);
    vec3 m = grid_sample(u_mask, lo, hi, a);
    vec3 q = u_painted_on == 1 ? grid_sample(u_painted, lo, hi, a) : vec3(0.0);
    vec2 fine = u_fine_on == 1 ? texelFetch(u_fine, p, 0).rg : vec2(0.0);
    ivec2 cp = p - u_contacts_origin;
    float lens = 0.0;
    if (all(greaterThanEqual(cp, ivec2(0))) && all(lessThan(cp, u_contacts_size))) {
        lens = texelFetch(u_contacts_mask, cp, 0).r;
    }
    if (m == vec3(0.0) && q == vec3(0.0) && fine == vec2(0.0) && lens == 0.0) {
        frag_color = src;
        return;
    }
    vec3 rgb = src.rgb;
    rgb = layer(rgb, u_contour, u_blend_b.z, q.g);
    rgb = layer(rgb, u_highlight, u_blend_b.w, q.b);
    rgb = layer(rgb, u_blush, u_blend.y, m.g);
    rgb = layer(rgb, u_eyeshadow, u_blend.w, q.r);
    rgb = layer(rgb, u_eyeliner, u_blend_b.x, fine.r);
    rgb = layer(rgb, u_lashes, u_blend_b.y, fine.g);
    rgb = layer(rgb, u_brows, u_blend.z, m.b);
    rgb = layer(rgb, u_lips, u_blend.x, m.r);
    if (u_gloss > 0.0 && u_lips.a > 0.0) {
        float luma = dot(src.rgb, vec3(0.299, 0.587, 0.114));
        float t = clamp((luma - kGlossLow) / (kGlossHigh - kGlossLow), 0.0, 1.0);
        float k = kGlossStrength * u_gloss * m.r * (t * t * (3.0 - 2.0 * t));
        rgb += (vec3(1.0) - rgb) * k;
    }
    // contact lenses last (contacts_cpu() runs after makeup_cpu())
    rgb = layer(rgb, u_contacts, u_blend_contacts, lens);
    frag_color = vec4(clamp(rgb, 0.0, 1.0), src.a);
}
