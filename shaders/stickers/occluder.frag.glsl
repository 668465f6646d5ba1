// The face's oval, filled: sprites behind the head are hidden where it is set.
out vec4 o_color;

void main() {
    o_color = vec4(1.0);
}
