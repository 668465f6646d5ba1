// Beauty pass 4 (one pixel): the mean of the reduced frame at the cheek and forehead samples, the
// reference of the skin-colour model. Mirrors beauty::skin_tone() in beauty_cpu.cpp.
uniform highp sampler2D u_reduced;
uniform ivec2 u_samples[36];
uniform int u_count;

out vec4 frag_color;

void main() {
    vec3 sum = vec3(0.0);
    for (int i = 0; i < u_count; ++i) {
        sum += texelFetch(u_reduced, u_samples[i], 0).rgb;
    }
    frag_color = vec4(u_count > 0 ? sum / float(u_count) : vec3(0.0), 1.0);
}
