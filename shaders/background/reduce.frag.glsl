// Background pass 1 (blur mode), on the effect grid: the frame's block means and, in alpha, each
// cell's background weight, so that the blur can leave the person out. Mirrors background::reduce
// and the weights of BackgroundCpu::apply (sdk_core/src/effects/background/background_cpu.cpp).
uniform highp sampler2D u_image;  // the frame
uniform highp sampler2D u_mask;   // grid: the feathered person mask (red)
uniform int u_factor;
uniform ivec2 u_image_size;

out vec4 frag_color;

void main() {
    ivec2 g = ivec2(gl_FragCoord.xy);
    ivec2 start = g * u_factor;
    ivec2 stop = min(start + ivec2(u_factor), u_image_size);
    ivec3 sum = ivec3(0);
    for (int y = start.y; y < stop.y; ++y) {
        for (int x = start.x; x < stop.x; ++x) {
            sum += ivec3(round(texelFetch(u_image, ivec2(x, y), 0).rgb * 255.0));
        }
    }
    int n = (stop.x - start.x) * (stop.y - start.y);
    ivec3 mean = (sum + n / 2) / n;
    int m = int(round(texelFetch(u_mask, g, 0).r * 255.0));
    int weight = 255 - ((m * 31) >> 5);  // background::background_weight
    frag_color = vec4(vec3(mean), float(weight)) / 255.0;
}
