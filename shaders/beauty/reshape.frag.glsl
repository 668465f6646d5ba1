// Face reshaping by inverse mapping. Mirrors ReshapeCpu::apply in
// sdk_core/src/effects/beauty/reshape.cpp: the displacement grid (16-bit fixed point in RGBA8) is
// interpolated bilinearly, the frame sampled bilinearly at the displaced position, edges clamped.
uniform highp sampler2D u_image;
uniform highp sampler2D u_field;
uniform int u_factor;
uniform ivec2 u_grid_size;
uniform ivec2 u_image_size;
uniform float u_range;

out vec4 frag_color;

vec2 displacement(ivec2 g) {
    vec4 n = texelFetch(u_field, clamp(g, ivec2(0), u_grid_size - 1), 0) * 255.0;
    vec2 code = vec2(n.r * 256.0 + n.g, n.b * 256.0 + n.a);
    return (floor(code + 0.5) - 32768.0) * (u_range / 32767.0);
}

vec4 texel(ivec2 p) {
    return texelFetch(u_image, clamp(p, ivec2(0), u_image_size - 1), 0) * 255.0;
}

void main() {
    ivec2 p = ivec2(gl_FragCoord.xy);
    vec2 uv = (vec2(p) + 0.5) / float(u_factor) - 0.5;
    vec2 fuv = floor(uv);
    vec2 a = uv - fuv;
    ivec2 g = ivec2(fuv);
    vec2 d00 = displacement(g), d10 = displacement(g + ivec2(1, 0));
    vec2 d01 = displacement(g + ivec2(0, 1)), d11 = displacement(g + ivec2(1, 1));
    vec2 top = d00 + (d10 - d00) * a.x;
    vec2 bottom = d01 + (d11 - d01) * a.x;
    vec2 disp = top + (bottom - top) * a.y;
    if (disp.x == 0.0 && disp.y == 0.0) {
        frag_color = texelFetch(u_image, p, 0);
        return;
    }
    vec2 s = vec2(p) + disp;
    vec2 fs = floor(s);
    vec2 b = s - fs;
    ivec2 i = ivec2(fs);
    vec4 p00 = texel(i), p10 = texel(i + ivec2(1, 0)), p01 = texel(i + ivec2(0, 1)), p11 = texel(i + ivec2(1, 1));
    vec4 t = p00 + (p10 - p00) * b.x;
    vec4 u = p01 + (p11 - p01) * b.x;
    frag_color = clamp(t + (u - t) * b.y, 0.0, 255.0) / 255.0;
}
