/// What `explain saliency` (and the other insight commands' names) prints:
/// the idea behind each tool, in a few paragraphs (the console wraps them to
/// the width), with where it comes from.
enum InsightTopic: String, CaseIterable {
  case saliency, gradcam, receptive, maximize, gradients

  /// One line per paragraph or formula.
  var lines: [String] { text.split(separator: "\n").map(String.init) }

  private var text: String {
    switch self {
    case .saliency:
      return """
        saliency: which pixels the network's score for a class is most sensitive to. \
        The score is the class's logit, the number that goes into the softmax. Its \
        gradient with respect to the input says, pixel by pixel and channel by channel, \
        how fast the score changes when that value changes; the map keeps the largest \
        size over the channels:
          saliency[y, x] = max over c of |d logit / d input[y, x, c]|
        It is computed with the same backward pass training uses, sent all the way to \
        the input. A bright pixel is one the network is touchy about, not proof it looked \
        there for a reason. (Simonyan, Vedaldi and Zisserman, 2014.)
        Try: saliency, then saliency CLASS for another class.
        """
    case .gradcam:
      return """
        gradcam: where, at one layer, the maps that speak for a class are active. A \
        convolutional layer's maps still have a place: map k is high where its pattern \
        was found. Grad-CAM asks how much each map helps the class: weight_k is the mean, \
        over the map's positions, of d logit / d map_k. Then it adds up the maps with \
        those weights and keeps the positive part:
          gradcam = ReLU(sum over k of weight_k x map_k)
        Deep layers see large parts of the image (see 'explain receptive') and know more \
        about classes, so their Grad-CAM is coarse but telling; early layers' is sharp \
        but generic. (Selvaraju et al., 2017.)
        Try: gradcam LAYER for each conv layer from the last one down.
        """
    case .receptive:
      return """
        receptive: the part of the input one cell of a layer can see. A 3x3 \
        convolution's cell reads 3x3 cells below it; each of those read 3x3 of theirs, so \
        two 3x3 layers see 5x5 pixels, three see 7x7. Pooling with stride 2 doubles the \
        step between neighbouring cells, so every layer above it widens the field twice \
        as fast:
          field = 1 + sum over layers of (window - 1) x (product of the strides below)
        With padding='same', cells near the border have part of their field outside the \
        image, where the padding reads zeros.
        Try: receptive LAYER Y X on each layer at the same place.
        """
    case .maximize:
      return """
        maximize: the picture that makes one channel fire as much as it can. Instead of \
        changing the weights to lower the loss, it changes the pixels to raise one \
        channel's mean activation: gradient ascent on the input, from a grey picture \
        with a little noise. Each step also pulls pixels back towards grey (L2 decay) and \
        looks at the picture shifted by a pixel (jitter), so what survives is what the \
        channel keeps asking for. Early layers ask for edges and colours; deeper ones for \
        textures and parts. (Erhan et al., 2009; Yosinski et al., 2015.)
        Try: maximize LAYER CHANNEL, then save maximized PATH.npy.
        """
    case .gradients:
      return """
        gradients: what one batch's backward pass sends down the network. After the \
        forward pass the loss says how wrong the batch was. Backpropagation starts at the \
        loss with d loss / d output and lets each layer, from the last to the first, turn \
        the gradient at its output into the gradient at its input (the chain rule) and, \
        for layers with weights, into d loss / d weight, which the optimizer then uses to \
        update them. The gradient map at a layer has the shape of its output: it says \
        which values, moved up, would raise the loss.
        Try: gradients, then gradients LAYER for a layer with maps.
        """
    }
  }
}
