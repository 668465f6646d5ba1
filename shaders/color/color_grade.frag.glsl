// Frame-wide colour grading: tone curves, saturation, 3D LUT. Mirrors
// sdk_core/src/effects/color/color_params.cpp and color_grade_cpu.cpp term by term.
uniform sampler2D u_image;
uniform highp sampler3D u_lut;   // RGBA32F, fetched texel by texel (32F is not filterable on GLES 3.0)
uniform int u_lut_size;          // 0: no LUT
uniform float u_lut_intensity;
uniform float u_brightness;
uniform float u_contrast;
uniform float u_saturation;
uniform float u_warmth;
uniform float u_whitening;

out vec4 frag_color;

float tone_curve(float x, float warm_exponent) {
    x = pow(x, exp2(-u_brightness + warm_exponent));
    x = clamp((x - 0.5) * exp2(u_contrast) + 0.5, 0.0, 1.0);
    if (u_whitening > 0.0) {
        float beta = 1.0 + 8.0 * u_whitening;
        x = log(x * (beta - 1.0) + 1.0) / log(beta);
    }
    return x;
}

vec3 lut_texel(ivec3 i) {
    return texelFetch(u_lut, i, 0).rgb;
}

vec3 sample_lut(vec3 rgb) {
    float scale = float(u_lut_size - 1);
    vec3 x = clamp(rgb, 0.0, 1.0) * scale;
    ivec3 i0 = min(ivec3(x), ivec3(u_lut_size - 2));
    vec3 f = x - vec3(i0);
    vec3 c00 = mix(lut_texel(i0), lut_texel(i0 + ivec3(1, 0, 0)), f.r);
    vec3 c10 = mix(lut_texel(i0 + ivec3(0, 1, 0)), lut_texel(i0 + ivec3(1, 1, 0)), f.r);
    vec3 c01 = mix(lut_texel(i0 + ivec3(0, 0, 1)), lut_texel(i0 + ivec3(1, 0, 1)), f.r);
    vec3 c11 = mix(lut_texel(i0 + ivec3(0, 1, 1)), lut_texel(i0 + ivec3(1, 1, 1)), f.r);
    return mix(mix(c00, c10, f.g), mix(c01, c11, f.g), f.b);
}

void main() {
    vec4 src = texelFetch(u_image, ivec2(gl_FragCoord.xy), 0);
    vec3 rgb = vec3(tone_curve(src.r, -0.25 * u_warmth), tone_curve(src.g, 0.0), tone_curve(src.b, 0.25 * u_warmth));
    float luma = dot(rgb, vec3(0.299, 0.587, 0.114));
    rgb = clamp(vec3(luma) + (rgb - vec3(luma)) * (1.0 + u_saturation), 0.0, 1.0);
    if (u_lut_size > 0 && u_lut_intensity > 0.0) {
        rgb = mix(rgb, sample_lut(rgb), u_lut_intensity);
    }
    frag_color = vec4(rgb, src.a);
}
