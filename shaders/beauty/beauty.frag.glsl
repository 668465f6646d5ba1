// Beauty pass 5, full resolution: smoothing, whitening, rosy and sharpening under the face masks.
// Mirrors BeautyCpu::apply in sdk_core/src/effects/beauty/beauty_cpu.cpp term by term; the
// constants are those of beauty_params.h.
uniform highp sampler2D u_image;
uniform highp sampler2D u_smooth;  // reduced grid, bilateral-filtered
uniform highp sampler2D u_mask;    // reduced grid: r = skin, g = face
uniform highp sampler2D u_tone;    // 1x1: the skin tone
uniform highp sampler2D u_features;  // full resolution over a frame box: r = mouth, g = eyes, b = under-eye
uniform ivec2 u_features_origin;
uniform ivec2 u_features_size;     // 0 x 0: no feature masks
uniform int u_factor;
uniform ivec2 u_grid_size;
uniform ivec2 u_image_size;
uniform float u_smoothing;
uniform float u_whitening;
uniform float u_rosy;
uniform float u_sharpen;
uniform float u_teeth_whiten;
uniform float u_eye_brighten;
uniform float u_dark_circles;

out vec4 frag_color;

const vec3 kLuma = vec3(0.299, 0.587, 0.114);
const float kEdgeSigma = 0.15;
const float kSkinChromaSigma = 0.07;
const float kSharpenGain = 1.5;
const float kRosyStrength = 0.6;
const vec3 kRosyTint = vec3(1.0, 0.88, 0.92);
const vec2 kTeethLumaEdge = vec2(0.30, 0.55);
const vec2 kTeethSatEdge = vec2(0.20, 0.45);
const vec2 kTeethYellowEdge = vec2(-0.02, 0.04);
const float kTeethDeyellow = 0.8;
const float kTeethLift = 0.12;
const float kEyeContrast = 0.35;
const float kEyeLift = 0.30;
const vec2 kEyeLumaEdge = vec2(0.25, 0.75);
const float kDarkChromaSigma = 0.12;
const float kDarkLift = 0.8;
const float kDarkNeutralise = 0.7;
const vec2 kDarkDepthEdge = vec2(0.15, 0.30);

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

// beauty::apply_features in beauty_cpu.cpp: dark circles, teeth, eyes.
vec3 apply_features(vec3 rgb, vec3 fm, vec2 dc, vec3 tone) {
    if (u_dark_circles > 0.0 && fm.b > 0.0) {
        float l = dot(rgb, kLuma);
        float lt = dot(tone, kLuma);
        float k = u_dark_circles * fm.b * exp(-dot(dc, dc) / (2.0 * kDarkChromaSigma * kDarkChromaSigma)) *
                  (1.0 - smoothstep(kDarkDepthEdge.x, kDarkDepthEdge.y, lt - l));
        float lift = kDarkLift * max(lt - l, 0.0);
        rgb += k * (vec3(lift) + kDarkNeutralise * ((tone - lt) - (rgb - l)));
    }
    if (u_teeth_whiten > 0.0 && fm.r > 0.0) {
        float l = dot(rgb, kLuma);
        float sat = max(rgb.r, max(rgb.g, rgb.b)) - min(rgb.r, min(rgb.g, rgb.b));
        float yellow = 0.5 * (rgb.r + rgb.g) - rgb.b;
        float teeth = smoothstep(kTeethLumaEdge.x, kTeethLumaEdge.y, l) *
                      (1.0 - smoothstep(kTeethSatEdge.x, kTeethSatEdge.y, sat)) *
                      smoothstep(kTeethYellowEdge.x, kTeethYellowEdge.y, yellow);
        float k = u_teeth_whiten * fm.r * teeth;
        rgb.b += kTeethDeyellow * max(yellow, 0.0) * k;
        rgb += (vec3(1.0) - rgb) * (kTeethLift * k);
    }
    if (u_eye_brighten > 0.0 && fm.g > 0.0) {
        float k = u_eye_brighten * fm.g;
        float lift = kEyeLift * k * smoothstep(kEyeLumaEdge.x, kEyeLumaEdge.y, dot(rgb, kLuma));
        vec3 v = clamp(vec3(0.5) + (rgb - vec3(0.5)) * (1.0 + kEyeContrast * k), 0.0, 1.0);
        rgb = v + (vec3(1.0) - v) * lift;
    }
    return rgb;
}

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    vec4 src = texelFetch(u_image, p, 0);
    vec2 uv = (vec2(p) + 0.5) / float(u_factor) - 0.5;
    vec2 m = grid_bilinear(u_mask, uv).rg;
    ivec2 fp = p - u_features_origin;
    vec3 fm = vec3(0.0);
    if (all(greaterThanEqual(fp, ivec2(0))) && all(lessThan(fp, u_features_size))) {
        fm = texelFetch(u_features, fp, 0).rgb;
    }
    bool feature = fm.r > 0.0 || fm.g > 0.0 || fm.b > 0.0;
    if (m.r == 0.0 && m.g == 0.0 && !feature) {
        frag_color = src;
        return;
    }
    vec3 c = src.rgb;
    vec3 tone = texelFetch(u_tone, ivec2(0), 0).rgb;
    vec2 dc = chroma(c) - chroma(tone);
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
    if (feature) {
        rgb = apply_features(rgb, fm, dc, tone);
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
