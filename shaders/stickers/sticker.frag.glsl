// One sprite or face-mask layer (premultiplied RGBA), written for the blend state the renderer sets:
//   normal   (ONE, ONE_MINUS_SRC_ALPHA):  s * o
//   multiply (DST_COLOR, ZERO):           1 - o * (a - s)
//   screen   (ONE_MINUS_DST_COLOR, ONE):  s * o
// u_occlude: hidden where the occluder texture (the face's oval) is set -- elements behind the head.
in vec2 v_uv;
uniform sampler2D u_image;
uniform sampler2D u_occluder;
uniform float u_opacity;
uniform int u_blend;  // 0 normal, 1 multiply, 2 screen
uniform int u_occlude;
out vec4 o_color;

void main() {
    vec4 s = texture(u_image, v_uv);
    float o = u_opacity;
    if (u_occlude == 1 && texelFetch(u_occluder, ivec2(gl_FragCoord.xy), 0).r > 0.5) o = 0.0;
    if (u_blend == 1) {
        o_color = vec4(vec3(1.0) - o * (vec3(s.a) - s.rgb), 1.0);
    } else {
        o_color = vec4(s.rgb * o, s.a * o);
    }
}
