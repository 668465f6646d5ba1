// Beauty pass 1: the frame reduced by an integer factor (block mean, clipped at the frame's edge).
// Mirrors the reduce loop of sdk_core/src/effects/beauty/beauty_cpu.cpp.
uniform highp sampler2D u_image;
uniform int u_factor;
uniform ivec2 u_image_size;

out vec4 frag_color;

void main() {
    ivec2 g = ivec2(gl_FragCoord.xy);
    ivec2 start = g * u_factor;
    ivec2 stop = min(start + ivec2(u_factor), u_image_size);
    vec3 sum = vec3(0.0);
    for (int y = start.y; y < stop.y; ++y) {
        for (int x = start.x; x < stop.x; ++x) {
            sum += texelFetch(u_image, ivec2(x, y), 0).rgb * 255.0;
        }
    }
    vec2 n = vec2(stop - start);
    frag_color = vec4(sum / 255.0 / (n.x * n.y), 1.0);
}
